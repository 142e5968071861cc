"""Organisers' accounts: sign-in pages in the site's own layout, and a password reset."""

import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from undersigned.accounts.models import User


def test_it_shows_the_sign_in_pages_in_the_sites_own_layout(db: None) -> None:
    for url, heading in [
        ("/accounts/login/", "Sign in"),
        ("/accounts/signup/", "Create an organiser account"),
        ("/accounts/password/reset/", "Reset your password"),
    ]:
        page = Client().get(url).text
        assert f"<h1>{heading}</h1>" in page
        assert re.search(r"/static/css/site\.[0-9a-f]{12}\.css", page)
        assert 'class="brand"' in page
        assert not re.search(r'(src|href)="(https?:)?//', page)  # no third-party assets


def test_it_says_what_is_wrong_with_a_sign_in(organiser: User) -> None:
    page = Client().post(
        "/accounts/login/", {"login": organiser.email, "password": "not the password"}
    )
    assert page.status_code == 200
    assert "The email address and/or password you specified are not correct." in page.text


def test_it_signs_an_organiser_out_on_post(organiser: User) -> None:
    client = Client()
    client.force_login(organiser)
    assert "Sign out of undersigned" in client.get("/accounts/logout/").text
    client.post("/accounts/logout/")
    assert client.get("/dashboard/").status_code == 302


def test_it_resets_a_forgotten_password(organiser: User) -> None:
    EmailAddress.objects.create(user=organiser, email=organiser.email, verified=True, primary=True)
    client = Client()
    sent = client.post("/accounts/password/reset/", {"email": organiser.email})
    assert "Check your email" in client.get(sent["Location"]).text

    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    form = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form.text
    new = "a brand new long password"
    done = client.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert "Your password is changed" in client.get(done["Location"]).text

    signed_in = client.post("/accounts/login/", {"login": organiser.email, "password": new})
    assert signed_in["Location"] == "/dashboard/"


def test_it_says_when_a_reset_link_no_longer_works(db: None) -> None:
    page = Client().get("/accounts/password/reset/key/1-not-a-key/", follow=True)
    assert "This link no longer works" in page.text
