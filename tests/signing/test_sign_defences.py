"""The sign form's defences: limits that understand shared networks, the challenge past a
soft limit, refusal past a hard one, and suspect signatures held instead of counted."""

import time
from typing import Any

import pytest
from django.core import signing
from django.test import Client, RequestFactory

from tests.conftest import ORIGIN, SIGNER, run_tasks
from tests.signing.conftest import confirm_path
from undersigned.letters.models import Letter
from undersigned.lib.client_ip import client_ip, forwarded_client
from undersigned.lib.network import address_hash, subnet_hash
from undersigned.signing.abuse import FORM_STARTED_SALT, form_started
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.holds import signature_clear
from undersigned.signing.models import Signature, State

REFUSED = "Too many signatures from your network. Try again later."
CHALLENGED = "your browser must first solve a short puzzle"


class SignerTwoDaysAgo(signing.TimestampSigner):
    """Django's own signer, with a clock two days behind."""

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 2 * 86400)


def post_sign(letter: Letter, email: str, ip: str = "198.51.100.7", **fields: Any) -> Any:
    data = {
        **SIGNER,
        "email": email,
        "version": letter.text_hash(),
        "started": form_started(),
        **fields,
    }
    return Client().post(
        f"/letters/{letter.slug}/sign/",
        {key: value for key, value in data.items() if value is not None},
        HTTP_ORIGIN=ORIGIN,
        REMOTE_ADDR=ip,
    )


def confirm(signature: Signature) -> None:
    assert Client().post(confirm_path(signature.pk)).status_code in {200, 302}


# The client address ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "hops", "expected"),
    [
        ("203.0.113.9", 1, "203.0.113.9"),
        # A client wrote the left-most values itself; one trusted proxy appended the last.
        ("6.6.6.6, 7.7.7.7, 203.0.113.9", 1, "203.0.113.9"),
        # A CDN then nginx: the client is the value the CDN appended, second from the right.
        ("6.6.6.6, 203.0.113.9, 192.0.2.10", 2, "203.0.113.9"),
        ("203.0.113.9", 2, "203.0.113.9"),  # a shorter chain: the outermost proxy's value
        ("[2001:db8::1]:443", 1, "2001:db8::1"),
        ("203.0.113.9:51234", 1, "203.0.113.9"),
        ("not an address", 1, ""),
        ("", 1, ""),
    ],
)
def test_the_client_address_is_the_trusted_hops_value(
    header: str, hops: int, expected: str
) -> None:
    assert forwarded_client(header, hops) == expected


def test_without_trusted_proxies_a_forwarded_header_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXY_HOPS = 0
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="192.0.2.1")
    assert client_ip(request) == "192.0.2.1"


def test_behind_a_proxy_a_forged_left_most_value_is_not_the_client(settings: Any) -> None:
    settings.TRUSTED_PROXY_HOPS = 1
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="127.0.0.1"
    )
    assert client_ip(request) == "203.0.113.9"
    garbage = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="junk", REMOTE_ADDR="127.0.0.1")
    assert client_ip(garbage) == "127.0.0.1"


# Limits --------------------------------------------------------------------------------


def test_past_the_soft_limit_a_signer_is_asked_for_the_challenge_and_nothing_is_written(
    petition: Letter, settings: Any
) -> None:
    settings.SIGNATURE_RATE_LIMIT = "2/h"
    for n in range(2):
        assert post_sign(petition, f"s{n}@example.org").status_code == 302

    asked = post_sign(petition, "third@example.org")

    assert asked.status_code == 429
    assert CHALLENGED in asked.text
    assert 'value="third@example.org"' in asked.text  # what they typed stays
    assert "data-sign-challenge data-required" in asked.text
    assert not Signature.objects.filter(email="third@example.org").exists()
    # A forged or empty solution is no solution.
    assert post_sign(petition, "third@example.org", altcha="e30=").status_code == 429
    assert not Signature.objects.filter(email="third@example.org").exists()


def test_past_the_hard_limit_requests_are_refused_with_a_clear_message(
    petition: Letter, settings: Any
) -> None:
    settings.SIGNATURE_RATE_LIMIT = "1/h"
    settings.SIGNATURE_HARD_LIMIT = 2
    assert post_sign(petition, "a@example.org").status_code == 302
    assert post_sign(petition, "b@example.org").status_code == 429  # the challenge
    refused = post_sign(petition, "c@example.org")
    assert refused.status_code == 429
    assert REFUSED in refused.text
    assert Signature.objects.count() == 1


def test_addresses_of_one_subnet_share_its_limit_and_other_subnets_do_not(
    petition: Letter, settings: Any
) -> None:
    settings.SUBNET_RATE_LIMIT = "2/h"
    settings.SUBNET_HARD_LIMIT = 2
    assert post_sign(petition, "a@example.org", ip="198.51.100.1").status_code == 302
    assert post_sign(petition, "b@example.org", ip="198.51.100.2").status_code == 302
    assert post_sign(petition, "c@example.org", ip="198.51.100.3").status_code == 429
    assert post_sign(petition, "d@example.org", ip="198.51.101.3").status_code == 302
    # IPv6: one /64 is one network, and so is one /48 around it.
    assert post_sign(petition, "e@example.org", ip="2001:db8:1:1::1").status_code == 302
    assert post_sign(petition, "f@example.org", ip="2001:db8:1:1::2").status_code == 302
    assert post_sign(petition, "g@example.org", ip="2001:db8:1:2::3").status_code == 429
    assert post_sign(petition, "h@example.org", ip="2001:db8:2::3").status_code == 302


def test_a_domain_past_its_limit_on_a_letter_is_challenged_but_public_providers_are_not(
    petition: Letter, settings: Any
) -> None:
    settings.DOMAIN_RATE_LIMIT = "2/h"
    settings.DOMAIN_HARD_LIMIT = 2
    for n in range(2):
        ip = f"203.0.113.{n}"
        assert post_sign(petition, f"p{n}@leads.example", ip=ip).status_code == 302
    assert post_sign(petition, "p9@leads.example", ip="192.0.2.9").status_code == 429
    for n in range(4):
        ip = f"192.0.2.{20 + n}"
        assert post_sign(petition, f"someone{n}@gmail.com", ip=ip).status_code == 302


def test_limits_are_kept_as_keyed_hashes_never_addresses(petition: Letter) -> None:
    post_sign(petition, "a@example.org", ip="198.51.100.77")
    keys = cache_keys()
    assert [key for key in keys if ":sign:" in key], "the cache holds the tallies"
    assert not [key for key in keys if "198.51.100" in key]


def cache_keys() -> list[str]:
    """Every key in the cache the site uses: Redis's, or the machine cache's file."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]

    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(None)
        return [key.decode() for key in client.keys("*")]
    return [str(key) for key in cache._cache]  # diskcache


# Suspect signatures ----------------------------------------------------------------------


def test_a_filled_honeypot_is_held_not_counted_and_answered_as_any_other(
    petition: Letter,
) -> None:
    honest = post_sign(petition, "honest@example.org")
    trapped = post_sign(petition, "bot@example.org", website="http://spam.example")

    assert trapped.status_code == honest.status_code == 302
    assert trapped["Location"] == honest["Location"]
    signature = Signature.objects.get(email="bot@example.org")
    assert signature.suspect == "honeypot"
    confirm(Signature.objects.get(email="honest@example.org"))
    run_tasks()
    confirm(signature)
    signature.refresh_from_db()
    assert signature.state == State.HELD
    assert letter_count_fresh(petition.pk).total == 1

    signature_clear(signature_id=signature.pk)
    assert letter_count_fresh(petition.pk).total == 2


def test_a_form_sent_sooner_than_a_person_could_is_held(petition: Letter, settings: Any) -> None:
    settings.SIGN_MIN_SECONDS = 3
    now = int(time.time())
    slow = signing.dumps(now - 10, salt=FORM_STARTED_SALT)
    fast = signing.dumps(now, salt=FORM_STARTED_SALT)
    forged = signing.dumps(now - 10, salt="another.purpose")
    # A page made two days ago: its stamp's signature carries when it was signed.
    stale = SignerTwoDaysAgo(salt=FORM_STARTED_SALT).sign_object(now - 2 * 86400)

    post_sign(petition, "slow@example.org", started=slow)
    post_sign(petition, "fast@example.org", started=fast)
    post_sign(petition, "forged@example.org", started=forged)
    post_sign(petition, "bare@example.org", started=None)
    post_sign(petition, "stale@example.org", started=stale)

    suspect = dict(Signature.objects.values_list("email", "suspect"))
    assert suspect == {
        "slow@example.org": "",
        "fast@example.org": "too_fast",
        "forged@example.org": "no_form",
        "bare@example.org": "no_form",
        "stale@example.org": "no_form",
    }


def test_a_burst_from_one_subnet_is_held(petition: Letter, settings: Any) -> None:
    settings.SUSPECT_SUBNET_BURST = 2
    for n in range(4):
        assert post_sign(petition, f"n{n}@example.org", ip=f"198.51.100.{n}").status_code == 302
    held = Signature.objects.filter(suspect="subnet_burst").values_list("email", flat=True)
    assert sorted(held) == ["n2@example.org", "n3@example.org"]


def test_a_rule_left_out_of_suspect_rules_holds_nothing(petition: Letter, settings: Any) -> None:
    settings.SUSPECT_RULES = ["honeypot"]
    post_sign(petition, "bare@example.org", started=None)
    assert Signature.objects.get().suspect == ""


def test_the_signature_keeps_keyed_hashes_of_its_address_and_subnet(petition: Letter) -> None:
    post_sign(petition, "a@example.org", ip="198.51.100.7")
    signature = Signature.objects.get()
    assert signature.ip_hash == address_hash("198.51.100.7")
    assert signature.subnet_hash == subnet_hash("198.51.100.99")
    assert "198.51" not in signature.ip_hash + signature.subnet_hash


def test_a_domain_trending_on_a_letter_is_held_but_a_public_provider_is_not(
    petition: Letter, settings: Any
) -> None:
    settings.SUSPECT_DOMAIN_BURST = 2
    for n in range(3):
        post_sign(petition, f"lead{n}@leads.example", ip=f"203.0.113.{n}")
        post_sign(petition, f"fan{n}@gmail.com", ip=f"192.0.2.{n}")
    suspect = dict(Signature.objects.values_list("email", "suspect"))
    assert suspect["lead2@leads.example"] == "domain_trending"
    assert [suspect[f"lead{n}@leads.example"] for n in range(2)] == ["", ""]
    assert [suspect[f"fan{n}@gmail.com"] for n in range(3)] == ["", "", ""]
