"""Demo data: three letters, one of each shape, with confirmed signatures. Safe to load twice."""

import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from undersigned.accounts.models import User
from undersigned.letters.models import Eligibility, FieldRule, Letter, Target
from undersigned.letters.publishing import letter_publish
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.signing.counts import counts_reconcile
from undersigned.signing.models import Level, Signature

DEMO_EMAIL = "demo@undersigned.example"
DEMO_PASSWORD = "demo-password"  # noqa: S105 (printed on the demo's start-up screen)

FIRST = [
    "Amara", "Ben", "Chloé", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kwame", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Samir", "Tomas",
    "Uma", "Viktor", "Wen", "Yara", "Zoe",
]  # fmt: skip
LAST = [
    "Okafor", "Lindqvist", "Moreau", "Petrov", "García", "Haddad", "Kim", "Tanaka", "Rossi",
    "Weber", "Mensah", "Novak", "Silva", "Khan", "Berg", "Patel", "Walsh", "Costa", "Aziz",
    "Horvat", "Rao", "Ivanova", "Chen", "Haidari", "Fischer",
]  # fmt: skip
UNIVERSITIES = [
    ("Massachusetts Institute of Technology", "mit.edu"),
    ("Harvard University", "harvard.edu"),
    ("Princeton University", "princeton.edu"),
    ("New York University", "nyu.edu"),
    ("Stanford University", "stanford.edu"),
    ("University of Cambridge", "cam.ac.uk"),
]
TITLES = ["Professor", "Associate Professor", "Assistant Professor", "Lecturer", "Research Fellow"]
TEAMS = ["Engineering · Seattle", "Sales · Dublin", "Cloud · Austin", "Research · Toronto"]

PETITION_BODY = """\
Northwind Systems builds the software that runs our buses, our libraries and our schools.
Last spring it quietly signed a contract to supply face-recognition analytics to the city's
new street camera network.

Nobody who walks down Harbour Street agreed to be identified, tracked and stored. The
contract was signed without a public consultation, and the city council has not published
its terms.

**We ask Northwind to walk away from this contract**, as other firms in the sector already
have, and to commit publicly not to sell biometric surveillance to public authorities.
"""

ACADEMIC_BODY = """\
We are researchers and teachers in computer science, engineering, ethics and law.

Machines that select and attack human targets without meaningful human control cross a
moral line. They lower the threshold for war, they cannot be held accountable, and the
technical work that makes them possible is being done, increasingly, inside universities.

We write to our own institutions, and to the governments that fund us, to say plainly that
we will not take part.
"""

WORKERS_BODY = """\
We are employees of Northwind Systems. We are proud of what we build for cities, schools
and hospitals.

We did not join Northwind to build tools that identify and track people at borders. We ask
the leadership to cancel the border analytics contract, and to let employees see the
ethics review of any contract for surveillance work before it is signed.

Many of us sign without our names. We are colleagues, and we expect no one to be singled
out for signing.
"""


def demo_load() -> dict[str, int]:
    """Create the demo organiser, organisations, letters and signatures if absent."""
    with transaction.atomic():
        organiser = _organiser()
        letters = [_petition(organiser), _academic_letter(organiser), _workers_letter(organiser)]
    counts_reconcile(repair=True)
    return {letter.slug: letter.signatures.counted().count() for letter in letters}


def _organiser() -> User:
    user = User.objects.filter(email=DEMO_EMAIL).first()
    if user is None:
        user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, name="Demo Organiser")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(
        user=user, email=DEMO_EMAIL, defaults={"verified": True, "primary": True}
    )
    return user


def _organisation(name: str, slug: str, organiser: User) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(slug=slug, defaults={"name": name})
    Membership.objects.get_or_create(
        organisation=organisation, user=organiser, defaults={"role": Role.OWNER}
    )
    return organisation


def _letter(
    slug: str, organisation: Organisation, targets: list[dict[str, str]], **fields: Any
) -> tuple[Letter, bool]:
    letter = Letter.objects.filter(slug=slug).first()
    if letter is not None:
        return letter, False
    letter = Letter.objects.create(slug=slug, organisation=organisation, **fields)
    for position, target in enumerate(targets):
        Target.objects.create(letter=letter, position=position, **target)
    letter_publish(letter=letter)
    return letter, True


def _petition(organiser: User) -> Letter:
    organisation = _organisation("Open Streets Alliance", "open-streets", organiser)
    letter, created = _letter(
        "northwind-drop-the-camera-contract",
        organisation,
        [
            {
                "name": "Dana Whitfield",
                "role": "Chief Executive Officer",
                "organisation": "Northwind Systems",
                "delivery_address": "ceo-office@northwind.example",
            }
        ],
        title="Northwind: drop the Harbour Street face-recognition contract",
        body=PETITION_BODY,
        demands="Withdraw from the Harbour Street camera analytics contract.\n"
        "Publish every contract for biometric analytics with public authorities.\n"
        "Commit not to sell biometric surveillance to public authorities.",
        goal=2500,
        ask_country=FieldRule.OPTIONAL,
        ask_postal_code=FieldRule.OPTIONAL,
        ask_comment=FieldRule.OPTIONAL,
    )
    if created:
        _sign_many(
            letter, 1284, lambda i, name: {"country": "United Kingdom"}, domain="example.org"
        )
    return letter


def _academic_letter(organiser: User) -> Letter:
    organisation = _organisation("Researchers' Assembly", "researchers-assembly", organiser)
    letter, created = _letter(
        "academics-pledge-autonomous-weapons",
        organisation,
        [
            {"name": "University presidents and vice-chancellors"},
            {"name": "Ministers of Defence", "role": "of the governments funding our research"},
        ],
        title="We will not build autonomous weapons: an open letter from researchers",
        body=ACADEMIC_BODY,
        pledge="I will neither take part in nor support the development, manufacture, trade "
        "or use of weapons that select and attack people without meaningful human control.",
        eligibility=Eligibility.ACADEMIC,
        ask_affiliation=FieldRule.REQUIRED,
        ask_title=FieldRule.REQUIRED,
        ask_country=FieldRule.OFF,
        ask_comment=FieldRule.OFF,
    )
    if created:

        def details(i: int, name: str) -> dict[str, str]:
            university, _ = UNIVERSITIES[i % len(UNIVERSITIES)]
            return {"affiliation": university, "title": TITLES[i % len(TITLES)]}

        _sign_many(letter, 512, details, domain=None)
    return letter


def _workers_letter(organiser: User) -> Letter:
    organisation = _organisation(
        "Northwind Workers for Accountability", "northwind-workers", organiser
    )
    letter, created = _letter(
        "northwind-employees-cancel-border-contract",
        organisation,
        [{"name": "Northwind Systems leadership team", "organisation": "Northwind Systems"}],
        title="Northwind employees ask leadership to cancel the border analytics contract",
        body=WORKERS_BODY,
        demands="Cancel the border analytics contract.\n"
        "Show employees the ethics review of any surveillance contract before it is signed.",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        ask_title=FieldRule.OPTIONAL,
        ask_country=FieldRule.OFF,
        ask_comment=FieldRule.OFF,
        allow_full_name=False,
        goal=200,
    )
    if created:
        _sign_many(
            letter,
            153,
            lambda i, name: {"title": TEAMS[i % len(TEAMS)]},
            domain="northwind.example",
        )
    return letter


def _sign_many(letter: Letter, n: int, details: Any, domain: str | None) -> None:
    rng = random.Random(letter.slug)
    version = letter.versions.get(number=1)
    displays = [value for value, _ in letter.display_choices]
    now = timezone.now()
    signatures = []
    for i in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        where = domain or UNIVERSITIES[i % len(UNIVERSITIES)][1]
        email = f"signer{i}@{where}"
        when = now - timedelta(minutes=7 * (n - i))
        signatures.append(
            Signature(
                letter=letter,
                letter_version=version,
                name=name,
                email=email,
                email_canonical=email,
                display=displays[0] if rng.random() < 0.7 else rng.choice(displays),
                level=Level.CONFIRMED,
                confirmed_at=when,
                **details(i, name),
            )
        )
    Signature.objects.bulk_create(signatures, batch_size=500)
