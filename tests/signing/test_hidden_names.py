"""Invariants 4 and 5: a hidden name, and a work address, stay hidden through a whole
sign → verify → withdraw cycle: in every response, email, log record and database row."""

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import run_tasks, sign
from tests.signing.conftest import cells_containing
from undersigned.accounts.models import User
from undersigned.letters.models import Eligibility, Letter
from undersigned.signing.models import Level, Signature

HIDDEN_NAME = "Wilhelmina Quatermass-Oyelaran"
NAME_PARTS = ("Wilhelmina", "Quatermass", "Oyelaran")
PERSONAL_ADDRESS = "mina.at.home@example.net"
ORIGIN = "http://testserver"


@dataclass
class Seen:
    """Everything the cycle produced, by who could see it."""

    public: list[tuple[str, str]] = field(default_factory=list)
    # The signer's own pages, reached only through the links in her email.
    own: list[tuple[str, str]] = field(default_factory=list)

    def with_text(self, text: str, *, own: bool = False) -> list[str]:
        places = self.public + (self.own if own else [])
        return [where for where, body in places if text.casefold() in body.casefold()]


@pytest.fixture
def every_log_record(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, including those that set their own level or keep to themselves."""
    caplog.set_level(logging.DEBUG)
    quiet = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
            if not logger.propagate:
                logger.addHandler(caplog.handler)
                quiet.append(logger)
    yield caplog
    for logger in quiet:
        logger.removeHandler(caplog.handler)


def log_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [
        (f"log {record.name}", f"{record.getMessage()} {record.exc_text or ''} {record.__dict__}")
        for record in caplog.records
    ]


def email_parts(message: mail.EmailMessage) -> str:
    """What a reader of the message sees: subject, headers and every body part."""
    alternatives = getattr(message, "alternatives", [])
    return "\n".join(
        [
            str(message.subject),
            str(message.body),
            str(message.from_email),
            str(message.reply_to),
            str(message.extra_headers),
            *(str(content) for content, _mimetype in alternatives),
        ]
    )


def stored(*texts: str) -> dict[str, list[str]]:
    """Where in the database each of these texts is found, read table by table."""
    return {text: cells for text in texts if (cells := cells_containing(text))}


def link_in(message: mail.EmailMessage, kind: str) -> str:
    match = re.search(rf"http://\S+?(/{kind}/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def public_paths(letter: Letter) -> list[str]:
    page = f"/letters/{letter.slug}/"
    return [
        "/",
        page,
        f"{page}signatures/",
        f"{page}signatures/?by=institution",
        f"{page}signatures/?institution=Stanford+University",
        f"{page}count.json",
        f"{page}versions/",
        f"{page}manage/",
        "/api/v1/petitions/",
        f"/api/v1/petitions/{letter.slug}/",
        f"/api/v1/petitions/{letter.slug}/count/",
        f"/api/v1/petitions/{letter.slug}/signatures/",
    ]


def organiser_paths(letter: Letter) -> list[str]:
    return [
        "/dashboard/",
        f"/dashboard/letters/{letter.slug}/",
        f"/dashboard/letters/{letter.slug}/signatures.csv",
    ]


def look_everywhere(seen: Seen, letter: Letter, organiser: User, moment: str) -> None:
    visitor = Client()
    for path in public_paths(letter):
        response = visitor.get(path)
        assert response.status_code == 200, path
        seen.public.append((f"{moment}: {path}", response.getvalue().decode()))
    staff = Client()
    staff.force_login(organiser)
    for path in organiser_paths(letter):
        response = staff.get(path)
        assert response.status_code == 200, path
        seen.public.append((f"{moment}, organiser: {path}", response.getvalue().decode()))


def own(seen: Seen, where: str, response: Any) -> Any:
    assert response.status_code == 200, where
    seen.own.append((where, response.content.decode()))
    return response


SIGNERS = {
    "employee": (
        "workers_letter",
        {"email": "Staff.7731@northwind.example", "department": "Logistics", "location": "Oslo"},
    ),
    "professor": (
        "academic_letter",
        {
            "email": "Staff.7731@cs.stanford.edu",
            "affiliation": "Stanford University",
            "title": "Professor of Robotics",
        },
    ),
}


@pytest.mark.parametrize("display", ["anonymous", "initials"])
@pytest.mark.parametrize(("letter_fixture", "fields"), SIGNERS.values(), ids=SIGNERS)
def test_it_never_shows_a_hidden_name_or_the_work_address_through_a_whole_cycle(
    request: pytest.FixtureRequest,
    every_log_record: pytest.LogCaptureFixture,
    organiser: User,
    letter_fixture: str,
    fields: dict[str, str],
    display: str,
) -> None:
    letter: Letter = request.getfixturevalue(letter_fixture)
    work_address = fields["email"]
    seen = Seen()
    signer = Client()

    look_everywhere(seen, letter, organiser, "before signing")
    signed = sign(
        signer, letter, name=HIDDEN_NAME, display=display, contact_email=PERSONAL_ADDRESS, **fields
    )
    assert signed.status_code == 302
    own(seen, "the page after signing", signer.get(signed["Location"]))
    look_everywhere(seen, letter, organiser, "signed")
    # The name is never stored; the address is, until it is proven.
    assert stored(*NAME_PARTS, work_address) == {work_address: ["signing_signature.email"]}

    run_tasks()
    [verification] = mail.outbox
    assert verification.to == [work_address]
    confirm = link_in(verification, "confirm")
    own(seen, "confirm page", signer.get(confirm))
    # On a letter for listed domains, the link to manage the signature never sits in the
    # work mailbox: it goes to the personal address once she confirms.
    at_work = letter.eligibility == Eligibility.DOMAINS
    if not at_work:
        manage = link_in(verification, "signature")
        own(seen, "manage page before confirming", signer.get(manage))
    own(seen, "confirmed page", signer.post(confirm, HTTP_ORIGIN=ORIGIN))
    run_tasks()
    if at_work:
        [confirmed] = mail.outbox[1:]
        assert confirmed.to == [PERSONAL_ADDRESS]
        manage = link_in(confirmed, "signature")
    sent_before = len(mail.outbox)
    assert Signature.objects.get().level == Level.VERIFIED
    assert stored(*NAME_PARTS, work_address, PERSONAL_ADDRESS) == {
        PERSONAL_ADDRESS: ["signing_signature.contact_email"]
    }
    look_everywhere(seen, letter, organiser, "verified")
    export = dict(seen.public)[
        f"verified, organiser: /dashboard/letters/{letter.slug}/signatures.csv"
    ]
    assert ("Anonymous" if display == "anonymous" else "W. Q.") in export

    own(seen, "manage page", signer.get(manage))
    for address in (work_address, PERSONAL_ADDRESS):
        asked = signer.post(
            f"/letters/{letter.slug}/manage/", {"email": address}, HTTP_ORIGIN=ORIGIN
        )
        assert asked.status_code == 200
        seen.public.append((f"manage link asked for by {address}", asked.content.decode()))
    run_tasks()
    # Asked for by either address, the link goes to the personal one only.
    assert [message.to for message in mail.outbox[sent_before:]] == [[PERSONAL_ADDRESS]] * 2
    own(seen, "withdrawn page", signer.post(manage, HTTP_ORIGIN=ORIGIN))
    assert not Signature.objects.exists()
    assert stored(*NAME_PARTS, work_address, PERSONAL_ADDRESS) == {}
    look_everywhere(seen, letter, organiser, "withdrawn")
    run_tasks()
    seen.public.extend((f"email to {m.to}", email_parts(m)) for m in mail.outbox)
    seen.public.extend(log_lines(every_log_record))

    for part in (HIDDEN_NAME, *NAME_PARTS):
        assert seen.with_text(part, own=True) == [], part
    # Until it is proven, the address is kept, and only her own page shows it.
    assert seen.with_text(work_address, own=True) == (
        [] if at_work else ["manage page before confirming"]
    )
    assert [m.to for m in mail.outbox if work_address in m.recipients()] == [[work_address]]
    assert seen.with_text(PERSONAL_ADDRESS) == []
