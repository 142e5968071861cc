"""Rate-limit stories: a department behind one NAT signs; a script gets nothing counted.

Each signer does what the page's script does: sign, and when asked for the challenge,
fetch one, solve it (here with the ALTCHA package's own solver) and send the form again.
"""

import json
import re
import time
from typing import Any

from altcha import Challenge, Payload, solve_challenge
from django.core import signing
from django.test import Client

from tests.conftest import ORIGIN, SIGNER, run_tasks
from tests.signing.conftest import confirm_path
from undersigned.letters.models import Letter
from undersigned.signing.abuse import FORM_STARTED_SALT
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.models import Signature, State

NAT = "192.0.2.44"  # the campus's one public address


def solved(client: Client, letter: Letter) -> str:
    answer = client.get(f"/letters/{letter.slug}/challenge.json", REMOTE_ADDR=NAT)
    assert answer.status_code == 200
    assert "no-cache" in answer["Cache-Control"]
    challenge = Challenge.from_dict(json.loads(answer.content))
    solution = solve_challenge(challenge)
    assert solution is not None
    return Payload(challenge, solution).to_base64()


def page_stamp(client: Client, letter: Letter) -> str:
    """The stamp of the page the signer loaded, as a browser would send it back."""
    page = client.get(f"/letters/{letter.slug}/", REMOTE_ADDR=NAT).text
    match = re.search(r'name="started" value="([^"]+)"', page)
    assert match, "the sign form carries its page's stamp"
    return match.group(1)


def sign_as_a_person(letter: Letter, n: int) -> tuple[int, bool, float]:
    """One signer behind the NAT: (final status, asked for the challenge, seconds taken)."""
    client = Client()
    page_stamp(client, letter)
    # The signer took half a minute over the form: the stamp of a page made then.
    stamp = signing.dumps(int(time.time()) - 30, salt=FORM_STARTED_SALT)
    data = {**SIGNER, "email": f"prof{n}@example.edu", "version": letter.text_hash()}
    data["started"] = stamp
    began = time.monotonic()
    answer = client.post(f"/letters/{letter.slug}/sign/", data, HTTP_ORIGIN=ORIGIN, REMOTE_ADDR=NAT)
    challenged = answer.status_code == 429 and "data-sign-challenge data-required" in answer.text
    if challenged:
        data["altcha"] = solved(client, letter)
        answer = client.post(
            f"/letters/{letter.slug}/sign/", data, HTTP_ORIGIN=ORIGIN, REMOTE_ADDR=NAT
        )
    return answer.status_code, challenged, time.monotonic() - began


def test_fifty_signers_behind_one_address_all_sign_some_through_the_challenge(
    petition: Letter, settings: Any
) -> None:
    settings.SIGNATURE_RATE_LIMIT = "20/h"  # the defaults a site runs with
    settings.SUBNET_RATE_LIMIT = "100/h"
    settings.SIGN_MIN_SECONDS = 2

    results = [sign_as_a_person(petition, n) for n in range(50)]

    assert [status for status, _, _ in results] == [302] * 50
    challenged = [n for n, (_, asked, _) in enumerate(results) if asked]
    assert challenged == list(range(20, 50))
    slowest = max(seconds for _, _, seconds in results)
    print(f"slowest signer behind the NAT: {slowest:.2f} s")
    assert slowest < 10
    for signature in Signature.objects.filter(letter=petition):
        assert signature.suspect == ""
        assert Client().post(confirm_path(signature.pk)).status_code in {200, 302}
    run_tasks()
    assert letter_count_fresh(petition.pk).total == 50


def test_a_script_signing_a_thousand_times_from_one_address_gets_nothing_counted(
    petition: Letter, settings: Any
) -> None:
    settings.SIGNATURE_RATE_LIMIT = "20/h"
    settings.SIGNATURE_HARD_LIMIT = 300
    settings.SUBNET_RATE_LIMIT = "100/h"
    client = Client()
    statuses = []
    for n in range(1000):
        # Straight to the POST, as fast as it can, with whatever addresses it has.
        answer = client.post(
            f"/letters/{petition.slug}/sign/",
            {**SIGNER, "email": f"bot{n}@example.net", "website": ""},
            HTTP_ORIGIN=ORIGIN,
            REMOTE_ADDR="203.0.113.66",
        )
        statuses.append(answer.status_code)

    assert statuses.count(302) == 20  # written, and held: see below
    assert statuses.count(429) == 980
    # It even controls the mailboxes and confirms every signature it got in.
    for signature in Signature.objects.filter(letter=petition):
        Client().post(confirm_path(signature.pk))
    assert set(Signature.objects.values_list("state", flat=True)) == {State.HELD}
    assert letter_count_fresh(petition.pk).total == 0
