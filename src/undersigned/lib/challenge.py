"""The proof-of-work challenge a signer's browser solves once a rate limit is under pressure.

ALTCHA's proof of work v2, created and checked by the PyPI package `altcha` and solved by
the npm widget 3.x we serve ourselves (static/vendor/altcha/, docs/challenge.md). A
challenge asks the browser for one counter: the number whose PBKDF2-SHA-256 key
(ITERATIONS rounds over the challenge's random nonce and salt) begins with the 16 bytes the
challenge shows. We pick that counter ourselves (ALTCHA's "deterministic mode"), so the
work is bounded: counting up from 0, a browser needs between half of a challenge's cost and
all of it, never more, and checking a solution is one HMAC (the challenge carries an HMAC
of the expected key), never a key derivation of our own.

Cost, in key derivations, doubles with each step of pressure, up to a cap:

    cost(pressure) = min(CHALLENGE_BASE_COST * 2 ** pressure, CHALLENGE_MAX_COST)

With the defaults (base 100, cap 6,400, reached at pressure 6) a challenge at pressure 0
takes a few hundredths of a second, in Python's hashlib as in a browser's WebCrypto (both
native code, at about 4 million PBKDF2 rounds a second per core of a server CPU), and one
at the cap one to two seconds; a phone is a few times slower. docs/challenge.md has the figures.

Each challenge is signed with a key derived from SECRET_KEY for this purpose only, expires
CHALLENGE_SECONDS after it was issued, and is accepted once: its signature is recorded in
the cache every process shares (Redis, or the machine's MachineCache) until it expires.
"""

import datetime
import secrets
import time

from altcha import Payload, create_challenge, verify_solution
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

ALGORITHM = "PBKDF2/SHA-256"
# PBKDF2 rounds per key derivation (ALTCHA's own "cost" parameter): enough that WebCrypto's
# per-call overhead is a small part of a browser's time, few enough that issuing a
# challenge (one derivation, to learn the key the counter gives) costs us about 0.25 ms.
ITERATIONS = 1_000
# The counter travels as a big-endian uint32.
MAX_COUNTER = 2**32 - 1
# A solved payload is about 700 characters; anything much longer is not one of ours.
MAX_PAYLOAD_CHARS = 4_096
_MALFORMED = (ValueError, TypeError, KeyError, AttributeError, RecursionError)


def challenge_cost(pressure: int) -> int:
    """The most key derivations a challenge issued at this pressure can take."""
    # Past 64 doublings any base exceeds any cap; capping the steps keeps the shift small.
    steps = min(max(pressure, 0), 64)
    cost = min(settings.CHALLENGE_BASE_COST << steps, settings.CHALLENGE_MAX_COST, MAX_COUNTER)
    return max(cost, 1)


def challenge_new(*, pressure: int) -> dict[str, object]:
    """A challenge for the widget, as the JSON its `challenge` URL answers with.

    The counter is drawn from the upper half of [0, cost), so even the luckiest solver does
    half the work; the cost is embedded, signed, in the challenge's data for
    `challenge_verify(..., pressure=...)`.
    """
    cost = challenge_cost(pressure)
    challenge = create_challenge(
        ALGORITHM,
        ITERATIONS,
        counter=cost // 2 + secrets.randbelow(cost - cost // 2),
        data={"cost": cost},
        expires_at=datetime.datetime.now(datetime.UTC)
        + datetime.timedelta(seconds=settings.CHALLENGE_SECONDS),
        hmac_secret=_secret("challenge"),
        hmac_key_secret=_secret("key"),
    )
    result: dict[str, object] = challenge.to_dict()
    return result


def challenge_verify(payload: str, *, pressure: int = 0) -> bool:
    """Whether `payload` (the widget's form field `altcha`) solves a challenge of ours.

    True once per challenge: signed by us, not expired, solved, issued at a cost at least
    what `pressure` asks now, and never accepted before. Anything else is False, whatever
    the input; this never raises.
    """
    if not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD_CHARS:
        return False
    try:
        solved = Payload.from_base64(payload)
        result = verify_solution(solved, _secret("challenge"), hmac_key_secret=_secret("key"))
    except _MALFORMED:
        return False
    if not result.verified:
        return False
    parameters = solved.challenge.parameters
    # Signed by us, so these are what challenge_new wrote.
    cost = parameters.data.get("cost") if isinstance(parameters.data, dict) else None
    if not isinstance(cost, int) or cost < challenge_cost(pressure):
        return False
    return _first_use(str(solved.challenge.signature), int(parameters.expires_at or 0))


def _first_use(signature: str, expires_at: int) -> bool:
    # add() is atomic across processes: of two requests carrying one solution, one wins.
    # The record need last only until the challenge expires, after which it is refused.
    timeout = max(int(expires_at - time.time()) + 1, 1)
    return bool(cache.add(f"challenge:used:{signature}", 1, timeout=timeout))


def _secret(purpose: str) -> str:
    """A key for this purpose alone, derived from SECRET_KEY."""
    return salted_hmac(
        f"undersigned.lib.challenge.{purpose}", "altcha", algorithm="sha256"
    ).hexdigest()
