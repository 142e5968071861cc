"""A whole letter moved to another organisation (as to another undersigned instance): its
text, settings, translations and versions, and its signatures as its organisers may see
them, with the count exact; never an address or a hidden name in the file; a bad file
refused whole, with nothing written."""

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from tests.conftest import make_letter, signed_and_confirmed
from tests.signing.conftest import reconcile
from undersigned.accounts.models import User
from undersigned.api import transfer
from undersigned.audit.models import AuditEntry
from undersigned.letters.models import (
    Eligibility,
    FieldRule,
    Letter,
    LetterTranslation,
    LetterVersion,
    Status,
)
from undersigned.letters.publishing import (
    letter_publish,
    letter_text_changed,
    translation_version_record,
)
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.signing.counts import LetterCount, letter_count_fresh
from undersigned.signing.export import export_rows
from undersigned.signing.holds import signature_hold
from undersigned.signing.models import Signature, SignatureEvent
from undersigned.signing.paper import PaperRow, paper_batch_record
from undersigned.signing.signatures import SignatureInput, signature_confirm, signature_create

ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
HIDDEN = ("Anouk", "Vreeswijk", "Keeper of Owls", "secret reason", "Pendle", "Hollis")


@pytest.fixture
def campaign(organisation: Organisation) -> Letter:
    """A petition with a Spanish translation and an edited text (three versions), signed
    in full, as initials, anonymously with a verified address, and in Spanish; one more
    signature waits for its confirmation and one is held: neither counts."""
    letter = make_letter(
        organisation,
        slug="drop-the-contract",
        goal=500,
        ask_affiliation=FieldRule.OPTIONAL,
        ask_title=FieldRule.OPTIONAL,
        ask_postal_code=FieldRule.OPTIONAL,
        count_step=None,
        retention_days=90,
    )
    target = letter.targets.get()
    target.delivery_address = "dana.whitfield@northwind.example"
    target.save()
    spanish = LetterTranslation.objects.create(
        letter=letter, language="es", title="Dejad el contrato", body="Pedimos a **Northwind**."
    )
    translation_version_record(spanish)
    letter.body = "We ask **Northwind**, again, to drop the contract."
    letter.save()
    letter_text_changed(letter=letter)
    signed_and_confirmed(
        letter,
        "suzie.x7@example.org",
        "Suzie Signer",
        affiliation="St Mary's",
        title="Nurse",
        country="Ireland",
        postal_code="D02 X285",
        comment="Drop it.",
    )
    signed_and_confirmed(letter, "ingrid.x7@example.org", "Ingrid Quennell", display="initials")
    signed_and_confirmed(
        letter,
        "anouk.x7@stanford.edu",
        "Anouk Vreeswijk",
        display="anonymous",
        affiliation="Vreeswijk Lab",
        title="Keeper of Owls",
        comment="My secret reason.",
    )
    in_spanish = SignatureInput(
        name="Lucía Pardo",
        email="lucia.x7@example.org",
        display="full",
        consent_updates=True,
        text_hash=spanish.text_hash(),
        language="es",
    )
    signature_confirm(signature_id=signature_create(letter=letter, data=in_spanish).pk)
    pending = SignatureInput(
        name="Pendle Oakhurst", email="pendle.x7@example.org", display="full", consent_updates=False
    )
    signature_create(letter=letter, data=pending)
    held = signed_and_confirmed(letter, "hollis.x7@example.org", "Hollis Grey")
    signature_hold(signature_id=held.pk)
    return letter


@pytest.fixture
def elsewhere(db: None) -> Organisation:
    """The organisation the letter moves to, with its own owner."""
    owner = User.objects.create_user("rin@elsewhere.example", "a long password here")
    return organisation_create(name="Elsewhere Collective", owner=owner)


def exported(letter: Letter) -> str:
    return "".join(transfer.letter_export_json(letter))


def imported(text: str, organisation: Organisation, **options: Any) -> Letter:
    data = transfer.transfer_read(io.StringIO(text))
    return transfer.letter_import(data=data, organisation=organisation, imported_by=None, **options)


def test_it_moves_the_count_exactly(campaign: Letter, elsewhere: Organisation) -> None:
    source = letter_count_fresh(campaign.pk)

    letter = imported(exported(campaign), elsewhere)

    assert source == LetterCount(total=4, verified=1)
    assert letter_count_fresh(letter.pk) == source
    assert Signature.objects.filter(letter=letter).counted().count() == 4
    assert SignatureEvent.objects.filter(letter=letter).count() == 4
    assert "All counts match their signatures" in reconcile("--check")


def test_it_says_the_count_in_the_file(campaign: Letter) -> None:
    data = json.loads(exported(campaign))

    assert data["count"] == {"total": 4, "verified": 1}
    assert len(data["signatures"]) == 4
    assert data["format"] == "undersigned-letter"
    assert data["format_version"] == 1
    assert data["source"]["base_url"] == "http://127.0.0.1:8000"
    assert data["source"]["url"] == "http://127.0.0.1:8000/letters/drop-the-contract/"
    assert list(data) == list(transfer.KEYS)


def test_it_keeps_the_text_settings_targets_and_translations(
    campaign: Letter, elsewhere: Organisation
) -> None:
    letter = imported(exported(campaign), elsewhere)

    assert letter.organisation == elsewhere
    assert letter.status == Status.DRAFT
    assert letter.slug == "drop-the-contract-2"  # the slug is taken on this instance
    for field in transfer.LETTER_FIELDS:
        if field != "slug":
            assert getattr(letter, field) == getattr(campaign, field), field
    [target] = letter.targets.all()
    assert (target.name, target.role, target.organisation) == (
        "Dana Whitfield",
        "CEO",
        "Northwind Systems",
    )
    assert target.delivery_address == ""  # never in the file: the organisers add it
    [spanish] = letter.translations.all()
    assert (spanish.language, spanish.title) == ("es", "Dejad el contrato")


def test_it_keeps_every_version_with_its_number_and_hash(
    campaign: Letter, elsewhere: Organisation
) -> None:
    letter = imported(exported(campaign), elsewhere)

    def versions(of: Letter) -> list[tuple[object, ...]]:
        fields = ("number", "language", "title", "body", "text_hash", "created_at")
        return list(of.versions.order_by("number").values_list(*fields))

    assert len(versions(campaign)) == 3
    assert versions(letter) == versions(campaign)


def test_it_keeps_what_each_signature_shows_and_the_version_it_signed(
    campaign: Letter, elsewhere: Organisation
) -> None:
    letter = imported(exported(campaign), elsewhere)

    assert list(export_rows(letter)) == list(export_rows(campaign))

    def signed(of: Letter) -> list[tuple[object, ...]]:
        rows = of.signatures.counted().order_by("confirmed_at", "pk")
        return list(rows.values_list("level", "display", "letter_version__number"))

    assert signed(letter) == signed(campaign)
    assert {s.source for s in letter.signatures.all()} == {"import"}


def test_it_holds_no_address_and_no_hidden_name(campaign: Letter, elsewhere: Organisation) -> None:
    text = exported(campaign)

    assert ADDRESS.search(text) is None
    assert "x7" not in text and "stanford.edu" not in text and "northwind.example" not in text
    for hidden in HIDDEN:
        assert hidden not in text, hidden
    assert "email" not in text
    anonymous = [row for row in json.loads(text)["signatures"] if row["display"] == "anonymous"]
    assert anonymous == [
        {
            "display": "anonymous",
            "level": "verified",
            "version": 3,
            "name": "",
            "institution": "Stanford University",
            "affiliation": "",
            "title": "",
            "department": "",
            "location": "",
            "country": "",
            "postal_code": "",
            "comment": "",
            "confirmed_on": anonymous[0]["confirmed_on"],
        }
    ]


def test_its_imported_signatures_hold_no_address_of_any_kind(
    campaign: Letter, elsewhere: Organisation
) -> None:
    letter = imported(exported(campaign), elsewhere)

    rows = letter.signatures.values_list(
        "email", "contact_email", "email_domain", "ip_hash", "subnet_hash", "consent_updates"
    )
    assert set(rows) == {("", "", "", "", "", False)}
    keys = list(letter.signatures.values_list("email_key", flat=True))
    assert len(set(keys)) == 4 and all(key.startswith("import-") for key in keys)


def test_it_moves_only_counts_before_the_reveal_threshold(
    organisation: Organisation, elsewhere: Organisation
) -> None:
    letter = make_letter(
        organisation,
        slug="guarded",
        eligibility=Eligibility.ACADEMIC,
        ask_title=FieldRule.OPTIONAL,
        reveal_threshold=3,
    )
    signed_and_confirmed(letter, "ada@stanford.edu", "Ada Lovelace", title="Professor")
    signed_and_confirmed(letter, "alan@mit.edu", "Alan Turing", display="initials")
    text = exported(letter)

    moved = imported(text, elsewhere)

    for unseen in ("Ada", "Lovelace", "A. T.", "Professor", "Stanford", "Massachusetts"):
        assert unseen not in text, unseen
    rows = json.loads(text)["signatures"]
    assert [(row["display"], row["level"], row["name"]) for row in rows] == [
        ("full", "verified", ""),
        ("initials", "verified", ""),
    ]
    assert letter_count_fresh(moved.pk) == LetterCount(total=2, verified=2)


def test_it_makes_a_draft_its_organisers_publish(campaign: Letter, elsewhere: Organisation) -> None:
    letter = imported(exported(campaign), elsewhere)

    letter_publish(letter=letter)

    letter.refresh_from_db()
    assert letter.is_open
    assert letter_count_fresh(letter.pk) == LetterCount(total=4, verified=1)


def test_it_records_the_import_in_the_organisations_audit_log(
    campaign: Letter, elsewhere: Organisation
) -> None:
    letter = imported(exported(campaign), elsewhere)

    entry = AuditEntry.objects.get(action="letter.import")
    assert entry.organisation_id == elsewhere.pk
    assert entry.target_id == str(letter.pk)
    assert entry.detail == {
        "from": "http://127.0.0.1:8000/letters/drop-the-contract/",
        "status_there": "open",
        "versions": 3,
        "signatures": 4,
        "verified": 1,
    }


def test_it_moves_a_draft_with_no_signatures(
    organisation: Organisation, elsewhere: Organisation
) -> None:
    draft = make_letter(organisation, slug="a-draft", publish=False)

    letter = imported(exported(draft), elsewhere)

    assert (letter.title, letter.status, letter.versions.count()) == (draft.title, "draft", 0)
    assert letter_count_fresh(letter.pk) == LetterCount()


def test_it_reads_the_file_a_little_at_a_time(
    campaign: Letter, elsewhere: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However the file's text falls across reads, it is read alike."""
    monkeypatch.setattr(transfer, "READ_SIZE", 7)

    letter = imported(exported(campaign), elsewhere)

    assert list(export_rows(letter)) == list(export_rows(campaign))


def test_it_imports_in_batches_and_says_how_far_it_is(
    campaign: Letter, elsewhere: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "BATCH", 3)
    told: list[int] = []

    letter = imported(exported(campaign), elsewhere, progress=told.append)

    assert told == [3, 4]
    assert letter_count_fresh(letter.pk) == LetterCount(total=4, verified=1)


Change = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Change:
    """Set one value of the file, by a dotted path ("signatures.0.level")."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        where: Any = data
        for part in parents:
            where = where[int(part)] if isinstance(where, list) else where[part]
        where[int(last) if isinstance(where, list) else last] = value

    return change


def _drop_signature(data: dict[str, Any]) -> None:
    data["signatures"].pop()


BAD_FILES: list[tuple[str, Change, str]] = [
    ("another format", _set("format", "petition-export"), "not an undersigned letter file"),
    ("a newer format", _set("format_version", 2), "format version 2"),
    ("an unknown key", _set("letter.colour", "red"), "does not know: colour"),
    ("a changed text", _set("versions.0.body", "Something else."), "does not match its hash"),
    ("a text too long", _set("letter.title", "x" * 201), "longer than 200 characters"),
    ("a wrong kind", _set("letter.goal", "500"), "goal of the wrong kind"),
    ("a bad setting", _set("letter.eligibility", "everyone"), "eligibility"),
    ("a language not offered", _set("translations.0.language", "fr"), "does not offer"),
    ("an unknown level", _set("signatures.1.level", "gold"), "signature 2 has a level"),
    ("a pending signature", _set("signatures.1.level", "pending"), "signature 2 has a level"),
    ("a hidden name", _set("signatures.2.name", "Anouk Vreeswijk"), "anonymous yet carries"),
    ("a missing version", _set("signatures.3.version", 9), "signature 4 signed a version"),
    ("a day to come", _set("signatures.0.confirmed_on", "2999-01-01"), "not a past day"),
    ("a count it does not make", _drop_signature, "holds 3 (1 verified)"),
    ("a count of more verified", _set("count.verified", 2), "says it holds 4 signatures (2"),
]


@pytest.mark.parametrize(
    ("change", "refusal"), [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES]
)
def test_it_refuses_a_bad_file_and_writes_nothing(
    campaign: Letter, elsewhere: Organisation, change: Change, refusal: str
) -> None:
    data = json.loads(exported(campaign))
    change(data)
    before = _rows()

    with pytest.raises(ValidationError) as refused:
        imported(json.dumps(data), elsewhere)

    assert refusal in " ".join(refused.value.messages)
    assert _rows() == before


@pytest.mark.parametrize(
    ("cut", "refusal"),
    [
        (lambda text: "Dear organisers,", "no object"),
        (lambda text: text[: len(text) // 2], "not valid JSON"),
        (lambda text: text.rstrip()[:-1] + ', "more": 1}', "must be the last thing"),
        (lambda text: text + "{}", "goes on after its end"),
    ],
    ids=["not JSON", "cut short", "something after the signatures", "two files in one"],
)
def test_it_refuses_a_file_that_is_not_one(
    campaign: Letter, elsewhere: Organisation, cut: Callable[[str], str], refusal: str
) -> None:
    text = cut(exported(campaign))
    before = _rows()

    with pytest.raises(ValidationError) as refused:
        imported(text, elsewhere)

    assert refusal in " ".join(refused.value.messages)
    assert _rows() == before


def _rows() -> tuple[int, ...]:
    return (
        Letter.objects.count(),
        LetterVersion.objects.count(),
        LetterTranslation.objects.count(),
        Signature.objects.count(),
        SignatureEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_command_moves_a_letter_end_to_end(
    campaign: Letter, elsewhere: Organisation, tmp_path: Path
) -> None:
    path = tmp_path / "drop-the-contract.json"
    owner = Membership.objects.get(organisation=elsewhere).user
    errors = io.StringIO()

    call_command("letter", "export", campaign.slug, "-o", str(path), stderr=errors)
    out = io.StringIO()
    call_command(
        "letter",
        "import",
        str(path),
        "--organisation",
        elsewhere.slug,
        "--user",
        owner.email,
        stdout=out,
    )

    assert "Exported 'drop-the-contract'" in errors.getvalue()
    assert "4 signatures (1 verified)" in errors.getvalue()
    letter = Letter.objects.get(organisation=elsewhere)
    assert f"as the draft '{letter.slug}', with 4 signatures (1 verified)" in out.getvalue()
    assert letter_count_fresh(letter.pk) == letter_count_fresh(campaign.pk)
    assert AuditEntry.objects.get(action="letter.import").actor == owner
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_the_command_writes_the_file_to_standard_output(campaign: Letter) -> None:
    out = io.StringIO()

    call_command("letter", "export", campaign.slug, stdout=out, stderr=io.StringIO())

    assert json.loads(out.getvalue())["count"] == {"total": 4, "verified": 1}


@pytest.mark.parametrize(
    ("arguments", "refusal"),
    [
        (["export", "no-such-letter"], "No letter has the slug 'no-such-letter'."),
        (["import", "FILE"], "Say which organisation"),
        (["import", "FILE", "--organisation", "nobody"], "No organisation has the slug"),
        (
            ["import", "FILE", "--organisation", "ORG", "--user", "olu@campaign.example"],
            "is not an owner or editor of Elsewhere Collective",
        ),
        (["import", "MISSING", "--organisation", "ORG"], "Cannot read"),
        (["import", "BAD", "--organisation", "ORG"], "does not match its hash"),
    ],
)
def test_the_command_says_clearly_what_it_refuses(
    campaign: Letter,
    elsewhere: Organisation,
    tmp_path: Path,
    arguments: list[str],
    refusal: str,
) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(exported(campaign), encoding="utf-8")
    data = json.loads(good.read_text(encoding="utf-8"))
    data["versions"][0]["title"] = "Another title"
    bad.write_text(json.dumps(data), encoding="utf-8")
    names = {
        "FILE": str(good),
        "BAD": str(bad),
        "MISSING": str(tmp_path / "missing.json"),
        "ORG": elsewhere.slug,
    }
    before = _rows()

    with pytest.raises(CommandError) as refused:
        call_command("letter", *[names.get(argument, argument) for argument in arguments])

    assert refusal in str(refused.value)
    assert _rows() == before


def test_an_editor_may_import_and_a_viewer_may_not(
    campaign: Letter, elsewhere: Organisation, tmp_path: Path
) -> None:
    path = tmp_path / "letter.json"
    path.write_text(exported(campaign), encoding="utf-8")
    editor = User.objects.create_user("ed@elsewhere.example")
    viewer = User.objects.create_user("vi@elsewhere.example")
    Membership.objects.create(organisation=elsewhere, user=editor, role=Role.EDITOR)
    Membership.objects.create(organisation=elsewhere, user=viewer, role=Role.VIEWER)
    arguments = ["letter", "import", str(path), "--organisation", elsewhere.slug]

    with pytest.raises(CommandError):
        call_command(*arguments, "--user", viewer.email)
    call_command(*arguments, "--user", editor.email, stdout=io.StringIO())

    assert Letter.objects.filter(organisation=elsewhere).count() == 1


def test_it_moves_signatures_on_paper_at_their_level(
    petition: Letter, organiser: User, elsewhere: Organisation
) -> None:
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    rows = [PaperRow(name="Pat Paper"), PaperRow(name="Quinn Paper", display="initials")]
    paper_batch_record(letter=petition, rows=rows, entered_by=organiser, label="Rally, 3 May")

    letter = imported(exported(petition), elsewhere)

    assert list(export_rows(letter)) == list(export_rows(petition))
    levels = letter.signatures.order_by("pk").values_list("level", flat=True)
    assert list(levels) == ["confirmed", "paper", "paper"]
    events = letter.events.order_by("pk").values_list("kind", flat=True)
    assert list(events) == ["confirmed", "paper", "paper"]
    assert letter_count_fresh(letter.pk) == letter_count_fresh(petition.pk)
