"""Olu, an organiser, signs up, writes a letter, publishes it, and later edits its text."""

import re

from django.core import mail
from django.test import Client

from tests.conftest import run_tasks, sign
from tests.letters.editor_page import form_values
from undersigned.accounts.models import User
from undersigned.letters.models import Letter, Status
from undersigned.signing.models import Signature

PASSWORD = "correct horse battery staple"


def link_in(message: mail.EmailMessage, pattern: str) -> str:
    match = re.search(rf"https?://[^/\s]+({pattern}\S*)", str(message.body))
    assert match, message.body
    return match.group(1)


def sign_up_and_sign_in(client: Client, email: str) -> User:
    page = client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert page.status_code == 302
    assert "Check your email" in client.get(page["Location"]).text
    assert client.get("/dashboard/").status_code == 302  # not signed in before confirming

    confirm = link_in(mail.outbox[-1], "/accounts/confirm-email/")
    assert "Confirm my address" in client.get(confirm).text
    client.post(confirm)

    signed_in = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert signed_in["Location"] == "/dashboard/"
    return User.objects.get(email=email)


def test_it_takes_an_organiser_from_sign_up_to_a_published_letter_with_history(db: None) -> None:
    olu = Client()
    user = sign_up_and_sign_in(olu, "olu@campaign.example")
    assert not user.is_superuser and not user.is_staff
    assert "You are not a member of any organisation yet" in olu.get("/dashboard/").text

    created = olu.post("/dashboard/organisations/new/", {"name": "Open Streets Alliance"})
    assert created["Location"] == "/dashboard/"
    dashboard = olu.get("/dashboard/").text
    assert "Open Streets Alliance" in dashboard
    assert "Your role: Owner" in dashboard

    editor = olu.get("/dashboard/organisations/open-streets-alliance/letters/new/")
    letter_form = form_values(editor)
    letter_form.update(
        {
            "title": "Drop the camera contract",
            "body": "We ask **Northwind** to walk away from the contract.",
            "demands": "Withdraw from the contract.\nPublish every such contract.",
            "goal": "1000",
            "targets-0-name": "Dana Whitfield",
            "targets-0-role": "CEO",
            "targets-0-organisation": "Northwind Systems",
            "targets-0-delivery_address": "dana@northwind.example",
        }
    )
    saved = olu.post("/dashboard/organisations/open-streets-alliance/letters/new/", letter_form)
    assert saved["Location"] == "/dashboard/letters/drop-the-camera-contract/preview/"
    letter = Letter.objects.get()
    assert letter.status == Status.DRAFT
    assert Client().get("/letters/drop-the-camera-contract/").status_code == 404

    preview = olu.get(saved["Location"]).text
    assert "Preview." in preview
    assert "<strong>Northwind</strong>" in preview
    assert "Dana Whitfield, CEO, Northwind Systems" in preview
    assert "Withdraw from the contract." in preview
    assert "dana@northwind.example" not in preview

    published = olu.post("/dashboard/letters/drop-the-camera-contract/publish/")
    assert published["Location"] == "/dashboard/"
    assert "is published and open for signatures" in olu.get("/dashboard/").text

    public = Client().get("/letters/drop-the-camera-contract/")
    assert public.status_code == 200
    assert "Add your name" in public.text
    assert "The text was last changed" not in public.text

    suzie = Client()
    sign(suzie, letter)
    run_tasks()
    suzie.post(link_in(mail.outbox[-1], "/confirm/"), HTTP_ORIGIN="http://testserver")
    assert re.search(r'data-label="Signatures">1\b', olu.get("/dashboard/").text)

    letter_form = form_values(olu.get("/dashboard/letters/drop-the-camera-contract/"))
    letter_form["body"] = "We ask **Northwind** to walk away from the contract, now."
    edited = olu.post("/dashboard/letters/drop-the-camera-contract/", letter_form)
    assert edited["Location"] == "/dashboard/letters/drop-the-camera-contract/"
    assert "now shows version 2" in olu.get(edited["Location"]).text

    public = Client().get("/letters/drop-the-camera-contract/").text
    assert "walk away from the contract, now." in public
    assert "The text was last changed on" in public
    versions = Client().get("/letters/drop-the-camera-contract/versions/").text
    assert "Version 2" in versions and "Version 1" in versions
    assert "walk away from the contract.</p>" in versions  # the text Suzie signed
    assert Signature.objects.get().letter_version.number == 1
