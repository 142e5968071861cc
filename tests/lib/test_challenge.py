"""The proof-of-work challenge: solved once, accepted once; expired, tampered or garbage
refused; dearer as the pressure rises. Solutions come from the PyPI package's own solver,
the same algorithm the browser widget runs."""

import base64
import json
import time
from typing import Any

import pytest
from altcha import Challenge, Payload, Solution, solve_challenge
from django.test import override_settings

from undersigned.lib.challenge import challenge_cost, challenge_new, challenge_verify


def solved(challenge: dict[str, Any]) -> tuple[str, Solution]:
    """The base64 payload the widget would post for this challenge, and the solution."""
    parsed = Challenge.from_dict(challenge)
    solution = solve_challenge(parsed, timeout=60)
    assert solution is not None
    return Payload(parsed, solution).to_base64(), solution


def reencoded(payload: str, change: Any) -> str:
    data = json.loads(base64.b64decode(payload))
    change(data)
    return base64.b64encode(json.dumps(data).encode()).decode()


def test_it_accepts_a_solution_once() -> None:
    payload, _ = solved(challenge_new(pressure=0))

    assert challenge_verify(payload) is True
    assert challenge_verify(payload) is False


def test_it_accepts_two_solutions_of_two_challenges() -> None:
    first, _ = solved(challenge_new(pressure=0))
    second, _ = solved(challenge_new(pressure=0))

    assert challenge_verify(first) is True
    assert challenge_verify(second) is True


def test_it_refuses_an_expired_solution() -> None:
    # The control challenge lives long enough to survive a slow solve on a loaded machine.
    in_time, _ = solved(challenge_new(pressure=0))
    with override_settings(CHALLENGE_SECONDS=1):
        challenge = challenge_new(pressure=0)
    payload, _ = solved(challenge)
    expires_at = challenge["parameters"]["expiresAt"]  # type: ignore[index]
    assert challenge_verify(in_time) is True

    time.sleep(max(expires_at - time.time(), 0) + 1.1)

    assert challenge_verify(payload) is False


def test_it_refuses_a_solution_to_a_challenge_it_did_not_sign() -> None:
    payload, _ = solved(challenge_new(pressure=0))

    def longer_expiry(data: dict[str, Any]) -> None:
        data["challenge"]["parameters"]["expiresAt"] += 3600

    def cheaper(data: dict[str, Any]) -> None:
        data["challenge"]["parameters"]["data"]["cost"] = 1_000_000

    def other_signature(data: dict[str, Any]) -> None:
        data["challenge"]["signature"] = "0" * 64

    def no_signature(data: dict[str, Any]) -> None:
        del data["challenge"]["signature"]

    for tamper in (longer_expiry, cheaper, other_signature, no_signature):
        assert challenge_verify(reencoded(payload, tamper)) is False, tamper.__name__
    assert challenge_verify(payload) is True


def test_it_refuses_a_wrong_solution() -> None:
    payload, solution = solved(challenge_new(pressure=0))

    def wrong_key(data: dict[str, Any]) -> None:
        data["solution"]["derivedKey"] = "00" * 32

    def wrong_counter_and_key(data: dict[str, Any]) -> None:
        data["solution"]["counter"] = solution.counter + 1
        data["solution"]["derivedKey"] = solution.derived_key[::-1]

    def no_key(data: dict[str, Any]) -> None:
        del data["solution"]["derivedKey"]

    for wrong in (wrong_key, wrong_counter_and_key, no_key):
        assert challenge_verify(reencoded(payload, wrong)) is False, wrong.__name__


@override_settings(SECRET_KEY="another installation's secret key, long enough to be one")
def test_it_refuses_a_challenge_signed_under_another_secret_key() -> None:
    challenge = challenge_new(pressure=0)
    payload, _ = solved(challenge)

    with override_settings(SECRET_KEY="this installation's secret key, also long enough"):
        assert challenge_verify(payload) is False


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "not base64 at all!",
        "é" * 10,
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b"\xff\xfe\x00 invalid utf-8").decode(),
        base64.b64encode(b"[]").decode(),
        base64.b64encode(b'"a string"').decode(),
        base64.b64encode(b'{"challenge": null, "solution": null}').decode(),
        base64.b64encode(b'{"challenge": {"parameters": []}, "solution": {}}').decode(),
        base64.b64encode(b'{"challenge": null, "solution": null, "test": true}').decode(),
        base64.b64encode(b"[" * 1500 + b"]" * 1500).decode(),
        base64.b64encode(b"[" * 100_000).decode()[:4000],
        "A" * 10_000_000,
    ],
    ids=lambda value: repr(value[:20]),
)
def test_it_refuses_garbage_without_raising(garbage: str) -> None:
    assert challenge_verify(garbage) is False


def test_it_refuses_what_is_not_a_string() -> None:
    assert challenge_verify(None) is False  # type: ignore[arg-type]
    assert challenge_verify(b"bytes") is False  # type: ignore[arg-type]


def test_its_cost_doubles_with_each_step_of_pressure_up_to_the_cap(settings: Any) -> None:
    settings.CHALLENGE_BASE_COST = 100
    settings.CHALLENGE_MAX_COST = 6_400

    assert [challenge_cost(p) for p in range(8)] == [100, 200, 400, 800, 1600, 3200, 6400, 6400]
    assert challenge_cost(-5) == 100
    assert challenge_cost(10**9) == 6_400


def test_the_solver_needs_more_work_as_the_pressure_rises(settings: Any) -> None:
    settings.CHALLENGE_BASE_COST = 20
    settings.CHALLENGE_MAX_COST = 10_000
    # The counter is drawn from the upper half of [0, cost): a solver counting up from 0
    # needs counter + 1 tries, so each step of pressure at least doubles the least work.
    needed = {
        pressure: solved(challenge_new(pressure=pressure))[1].counter + 1 for pressure in range(4)
    }

    assert 10 < needed[0] <= 20
    assert 20 < needed[1] <= 40
    assert 40 < needed[2] <= 80
    assert 80 < needed[3] <= 160


def test_it_refuses_a_cheaper_challenge_than_the_pressure_asks() -> None:
    payload, _ = solved(challenge_new(pressure=0))

    assert challenge_verify(payload, pressure=1) is False
    assert challenge_verify(payload, pressure=0) is True


def test_a_dearer_challenge_than_asked_is_accepted() -> None:
    payload, _ = solved(challenge_new(pressure=2))

    assert challenge_verify(payload, pressure=1) is True


def test_a_challenge_is_json_for_the_widget() -> None:
    challenge = challenge_new(pressure=0)

    assert json.loads(json.dumps(challenge)) == challenge
    assert set(challenge) == {"parameters", "signature"}
    parameters = challenge["parameters"]
    assert isinstance(parameters, dict)
    assert parameters["algorithm"] == "PBKDF2/SHA-256"
    assert {"nonce", "salt", "keyPrefix", "keySignature", "expiresAt"} <= set(parameters)
