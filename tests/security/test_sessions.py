"""An organiser's session ends SESSION_COOKIE_AGE after their last request, give or take
SESSION_REFRESH_SECONDS; a visitor has none, and a poll costs no write."""

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.lib.session_refresh import REFRESHED_KEY


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_a_session_lasts_twelve_hours_from_the_last_request(organiser: User) -> None:
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    client = signed_in(organiser)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    expires = session_row(client).expire_date.timestamp()
    assert abs(expires - (time.time() + 12 * 60 * 60)) < 60


def test_requests_soon_after_another_neither_write_the_session_nor_set_its_cookie(
    organiser: User, petition: Letter
) -> None:
    client = signed_in(organiser)
    client.get("/dashboard/")  # the first request stamps the session
    before = session_row(client).expire_date
    for path in ["/dashboard/", f"/letters/{petition.slug}/count.json"]:
        response = client.get(path)
        assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert session_row(client).expire_date == before


def test_a_request_past_the_refresh_interval_pushes_the_end_back(
    organiser: User, settings: Any
) -> None:
    client = signed_in(organiser)
    client.get("/dashboard/")
    row = session_row(client)
    # The session as it is stored, last saved twenty minutes ago.
    session = client.session
    session[REFRESHED_KEY] = int(time.time()) - 20 * 60
    session.save()
    soon = timezone.now() + timedelta(hours=1)
    Session.objects.filter(pk=row.pk).update(expire_date=soon)

    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME in response.cookies
    expires = session_row(client).expire_date.timestamp()
    assert abs(expires - (time.time() + settings.SESSION_COOKIE_AGE)) < 60


def test_a_visitor_gets_no_session(petition: Letter) -> None:
    client = Client()
    for path in ["/", f"/letters/{petition.slug}/", f"/letters/{petition.slug}/count.json"]:
        response = client.get(path)
        assert response.status_code == 200
        assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.count() == 0
