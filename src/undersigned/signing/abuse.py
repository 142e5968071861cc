"""The sign form's defences against scripts, which never lock out a crowd behind one NAT.

Every sign POST is tallied per client address, per subnet (/24 for IPv4; /48 and /64 for
IPv6), per letter, and per letter and address domain, in the cache every web process
shares (lib/rate_limit.py). The tallies are kept under keyed hashes, never addresses.

- Below every soft limit nothing is asked of the signer.
- Past one, the signer's browser must solve a proof-of-work challenge (lib/challenge.py),
  whose cost steps up each time the traffic doubles again: a department behind one
  address pays a second or two, a script pays for every signature, more and more.
- Past a hard limit the request is refused with a clear message.

Separately, rules mark a signature as suspect: it is then held when confirmed, and counts
only once a moderator clears it (holds.py); its signer sees what anyone else sees.
"""

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from undersigned.letters.models import Eligibility, Letter
from undersigned.lib.challenge import challenge_verify
from undersigned.lib.network import address_hash, subnets
from undersigned.lib.rate_limit import RateLimit

# The public mail providers that a popular letter's signers share by the thousand: a
# count per domain says nothing about them. COMMON_MAIL_DOMAINS adds to the list.
COMMON_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk",
        "hotmail.fr", "hotmail.es", "hotmail.it", "live.com", "msn.com", "yahoo.com",
        "yahoo.co.uk", "yahoo.fr", "yahoo.es", "yahoo.it", "ymail.com", "aol.com",
        "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "pm.me",
        "gmx.de", "gmx.net", "gmx.com", "web.de", "t-online.de", "mail.com", "zoho.com",
        "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com", "orange.fr", "free.fr",
        "laposte.net", "libero.it", "virgilio.it", "btinternet.com", "comcast.net",
        "verizon.net", "att.net", "fastmail.com", "tutanota.com", "tuta.io", "posteo.de",
        "riseup.net", "uol.com.br", "bol.com.br", "terra.com.br", "naver.com",
    }
)  # fmt: skip

# The highest cost step a challenge is asked at; lib/challenge.py caps its cost anyway.
MAX_LEVEL = 8
FORM_STARTED_SALT = "undersigned.signing.form_started"
HONEYPOT_FIELD = "website"
FORM_STARTED_FIELD = "started"
CHALLENGE_FIELD = "altcha"  # where the widget puts its solution


class Suspect(StrEnum):
    """The rules a signature can trip; their codes are kept on the signature."""

    HONEYPOT = "honeypot"
    TOO_FAST = "too_fast"
    NO_FORM = "no_form"
    SUBNET_BURST = "subnet_burst"
    DOMAIN_TRENDING = "domain_trending"


# What each code means, for the moderators' pages.
SUSPECT_REASONS = {
    Suspect.HONEYPOT: _("The hidden field only a script fills in was filled in."),
    Suspect.TOO_FAST: _("The form was sent sooner than a person can fill it in."),
    Suspect.NO_FORM: _("The form was not sent from one of our pages."),
    Suspect.SUBNET_BURST: _("A burst of signatures came from its subnet."),
    Suspect.DOMAIN_TRENDING: _("Its address domain was trending on the letter."),
}


@dataclass(frozen=True)
class Pressure:
    """What the tallies say of one sign POST."""

    level: int = 0  # 0: below every soft limit; n: the challenge's cost step
    refused: bool = False  # past a hard limit
    suspect: frozenset[Suspect] = frozenset()

    def with_(self, other: "Pressure") -> "Pressure":
        return Pressure(
            level=max(self.level, other.level),
            refused=self.refused or other.refused,
            suspect=self.suspect | other.suspect,
        )


def _limit(name: str, rate: str) -> RateLimit:
    return RateLimit.parse(name, rate)


def _level(used: int, soft: int) -> int:
    """0 up to the soft limit; then one step more each time the traffic doubles."""
    if used <= soft or soft <= 0:
        return 0
    return min(MAX_LEVEL, math.floor(math.log2((used - 1) / soft)) + 1)


def _past(used: int, hard: int, soft: int = 0) -> bool:
    """Past a hard limit; one set below its soft limit is as high as the soft limit."""
    return hard > 0 and used > max(hard, soft)


def proves_addresses(letter: Letter) -> bool:
    """Whether each signature's address proves an affiliation (academic and listed-domain
    letters): their signers share a few domains by design, and each is proven by email."""
    return letter.eligibility != Eligibility.ANYONE


@dataclass(frozen=True)
class _Tally:
    """One count a sign POST from an address adds to: its limit, key and hard limit."""

    limit: RateLimit
    key: str
    hard: int
    subnet: bool = False


def _network_tallies(letter: Letter, ip: str) -> list[_Tally]:
    """The address's, each of its subnets' (keyed: the cache never holds a network's
    address) and the letter's."""
    by_subnet = _limit("sign-subnet", settings.SUBNET_RATE_LIMIT)
    return [
        _Tally(
            _limit("sign", settings.SIGNATURE_RATE_LIMIT),
            address_hash(ip),
            settings.SIGNATURE_HARD_LIMIT,
        ),
        *(
            _Tally(by_subnet, address_hash(subnet), settings.SUBNET_HARD_LIMIT, subnet=True)
            for subnet in subnets(ip)
        ),
        _Tally(
            _limit("sign-letter", settings.LETTER_RATE_LIMIT),
            str(letter.pk),
            settings.LETTER_HARD_LIMIT,
        ),
    ]


def network_tally(letter: Letter, ip: str) -> Pressure:
    """Count one sign POST from `ip` on the letter; what the address, its subnets and
    the letter's own traffic now ask of it."""
    pressure = Pressure()
    for tally in _network_tallies(letter, ip):
        used = tally.limit.count(tally.key)
        burst = (
            tally.subnet
            and not proves_addresses(letter)
            and _past(used, settings.SUSPECT_SUBNET_BURST)
        )
        pressure = pressure.with_(
            Pressure(
                level=_level(used, tally.limit.limit),
                refused=_past(used, tally.hard, tally.limit.limit),
                suspect=frozenset({Suspect.SUBNET_BURST}) if burst else frozenset(),
            )
        )
    return pressure


def domain_tally(letter: Letter, domain: str) -> Pressure:
    """Count one sign POST from an address at `domain` on the letter."""
    if proves_addresses(letter) or is_common_domain(domain):
        return Pressure()
    by_domain = _limit("sign-domain", settings.DOMAIN_RATE_LIMIT)
    used = by_domain.count(f"{letter.pk}:{domain}")
    trending = _past(used, settings.SUSPECT_DOMAIN_BURST)
    return Pressure(
        level=_level(used, by_domain.limit),
        refused=_past(used, settings.DOMAIN_HARD_LIMIT, by_domain.limit),
        suspect=frozenset({Suspect.DOMAIN_TRENDING}) if trending else frozenset(),
    )


def network_level(letter: Letter, ip: str) -> int:
    """The cost step a challenge for this client is made at now, counting nothing: the
    level its next sign POST would meet, domain aside."""
    return max(
        _level(tally.limit.peek(tally.key) + 1, tally.limit.limit)
        for tally in _network_tallies(letter, ip)
    )


def is_common_domain(domain: str) -> bool:
    """One of the big public mail providers, shared by thousands of any letter's signers."""
    return domain in COMMON_DOMAINS or domain in settings.COMMON_MAIL_DOMAINS


def challenge_passed(payload: str, *, level: int) -> bool:
    """Whether a sign POST met what its pressure asks: nothing below every soft limit,
    otherwise a solved challenge, each accepted once, made at the level asked or one below
    (the pressure may have risen while the browser was solving)."""
    if level <= 0:
        return True
    return challenge_verify(payload, pressure=level - 1)


def form_started(sent: str = "") -> str:
    """The sign form's hidden stamp of when its page was first made: the one the signer
    sent back, if it is ours, or a new one. A cached page carries an older stamp, which
    only makes its signers look slower than they are."""
    if sent and _started_at(sent) is not None:
        return sent
    return signing.dumps(int(time.time()), salt=FORM_STARTED_SALT)


# A stamp older than this is no longer one of our pages: a script keeping one stamp must
# come back for another each day, and a person's tab left open overnight signs, held.
FORM_STARTED_MAX_AGE = 24 * 60 * 60


def _started_at(stamp: str) -> int | None:
    try:
        started = signing.loads(stamp, salt=FORM_STARTED_SALT, max_age=FORM_STARTED_MAX_AGE)
    except signing.BadSignature:
        return None
    return started if isinstance(started, int) else None


def form_suspicions(post: Mapping[str, str], *, now: float | None = None) -> frozenset[Suspect]:
    """The rules the sent form itself trips: the honeypot, and how soon it was sent."""
    found = set()
    if post.get(HONEYPOT_FIELD, ""):
        found.add(Suspect.HONEYPOT)
    started = _started_at(post.get(FORM_STARTED_FIELD, ""))
    if started is None:
        found.add(Suspect.NO_FORM)
    elif (time.time() if now is None else now) - started < settings.SIGN_MIN_SECONDS:
        found.add(Suspect.TOO_FAST)
    return frozenset(found)


def suspect_codes(suspicions: frozenset[Suspect]) -> str:
    """How a signature keeps the rules in force (SUSPECT_RULES) it tripped: their codes,
    sorted, comma separated."""
    return ",".join(sorted(code for code in suspicions if code in settings.SUSPECT_RULES))
