"""Sign-in attempts are limited (ACCOUNT_RATE_LIMITS, through allauth), in the cache every
web process shares: guessing one organiser's password stops after a few tries, and
guessing across accounts from one address stops soon after, without locking anyone else out.
"""

import time
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from tests.test_redis import redis_cache, redis_client  # noqa: F401  # fixtures
from undersigned.accounts.models import User

PASSWORD = "a long organiser password"
WRONG = "The email address and/or password you specified are not correct."
REFUSED = "Too many failed login attempts. Try again later."


def organiser_account(email: str) -> User:
    user = User.objects.create_user(email, PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def sign_in(email: str, password: str = PASSWORD, **headers: Any) -> Any:
    return Client().post("/accounts/login/", {"login": email, "password": password}, **headers)


@pytest.fixture(params=["machine cache", "redis"])
def shared_cache(request: pytest.FixtureRequest) -> str:
    """The cache the limits are kept in: the machine's SQLite one, and Redis where running."""
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
    return str(request.param)


def test_the_limits_are_set_explicitly(settings: Any) -> None:
    from allauth.account import app_settings

    assert app_settings.RATE_LIMITS["login_failed"] == "10/m/ip,5/15m/key"
    assert app_settings.RATE_LIMITS["login"] == "30/m/ip"
    assert settings.ACCOUNT_ADAPTER == "undersigned.accounts.adapter.AccountAdapter"


def test_it_refuses_even_the_right_password_after_five_failures(
    db: None, shared_cache: str
) -> None:
    olu = organiser_account("olu@campaign.example")
    organiser_account("ada@campaign.example")
    for _ in range(5):
        failed = sign_in(olu.email, "not the password")
        assert failed.status_code == 200 and WRONG in failed.text

    refused = sign_in(olu.email)
    assert refused.status_code == 200
    assert REFUSED in refused.text
    assert "_auth_user_id" not in refused.client.session

    other = sign_in("ada@campaign.example")
    assert other.status_code == 302 and other["Location"] == "/dashboard/"


def test_a_successful_sign_in_does_not_reset_the_count(db: None) -> None:
    olu = organiser_account("olu@campaign.example")
    for _ in range(4):
        assert WRONG in sign_in(olu.email, "not the password").text
    assert sign_in(olu.email).status_code == 302  # a success costs nothing
    assert WRONG in sign_in(olu.email, "not the password").text
    assert REFUSED in sign_in(olu.email).text  # the fifth failure still counts


def test_the_limit_is_per_address_too(db: None) -> None:
    """Ten failures a minute from one address, whichever accounts they try."""
    emails = [organiser_account(f"member{n}@campaign.example").email for n in range(4)]
    for n in range(10):
        assert WRONG in sign_in(emails[n % 3], "not the password").text
    assert REFUSED in sign_in(emails[3]).text
    assert sign_in(emails[3], REMOTE_ADDR="198.51.100.7").status_code == 302


def test_behind_a_proxy_it_counts_the_address_the_proxy_saw(db: None, settings: Any) -> None:
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_HOPS = 1
    emails = [organiser_account(f"member{n}@campaign.example").email for n in range(4)]
    attacker = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    for n in range(10):
        assert WRONG in sign_in(emails[n % 3], "not the password", **attacker).text
    assert REFUSED in sign_in(emails[3], **attacker).text
    # Another organiser behind the same proxy is another address.
    colleague = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.44"}
    assert sign_in(emails[3], **colleague).status_code == 302


def test_the_refusal_ends_when_the_window_has_passed(db: None, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "2/2s/key"}
    olu = organiser_account("olu@campaign.example")
    for _ in range(2):
        assert WRONG in sign_in(olu.email, "not the password").text
    assert REFUSED in sign_in(olu.email).text
    time.sleep(2.1)
    assert sign_in(olu.email).status_code == 302
