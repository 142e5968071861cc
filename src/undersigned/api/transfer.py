"""A whole letter moved from one undersigned instance to another: its text and settings,
targets, translations, every version with its hash, and its counted signatures as the
exporting organisers may see them, in one JSON file (docs/import-export.md).

The file holds no address of any kind and no name a signer hid: each signature is the
presenter's organisers' view of it (signing/presentation.py), and before the letter's
reveal threshold it is its level, its version and its display choice alone. The count
moves over exactly: the file's count is that of the rows it holds, and an import that
would make another is refused whole.

Signatures stream both ways. An export reads them CHUNK rows at a time into a temporary
file, counting them, then writes the file's head with that count and the rows after it;
an import reads the file's head, then the signatures one at a time as it writes them in
batches, so neither needs them all in memory.
"""

import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from undersigned.accounts.models import User
from undersigned.audit.log import audit_record
from undersigned.letters.editing import EDITOR_FIELDS, letter_save
from undersigned.letters.models import (
    Display,
    Letter,
    LetterTranslation,
    LetterVersion,
    Status,
    Target,
    text_hash,
)
from undersigned.lib.slugs import free_slug
from undersigned.organisations.models import Organisation
from undersigned.signing.counts import LetterCount
from undersigned.signing.export import counted_in_order, signatures_shown
from undersigned.signing.imports import IMPORTABLE_LEVELS, Imported, signatures_import
from undersigned.signing.models import Level, Signature
from undersigned.signing.presentation import Audience
from undersigned.signing.public_count import names_revealed

FORMAT = "undersigned-letter"
FORMAT_VERSION = 1
# The top-level keys of a file, in the order they are written: the signatures last, so
# that a reader meets everything else before them.
KEYS = (
    "format",
    "format_version",
    "exported_at",
    "source",
    "letter",
    "targets",
    "translations",
    "versions",
    "count",
    "signatures",
)
# The letter's text and settings: every field its editor writes (the signing policy's
# among them), so a field added to the editor moves with the letter.
LETTER_FIELDS = tuple(EDITOR_FIELDS)
TEXT_FIELDS = ("title", "body", "demands", "pledge")
# A target's delivery address stays behind: it is never shown, and the organisers add it
# in the editor before they deliver.
TARGET_FIELDS = ("name", "role", "organisation")
TRANSLATION_FIELDS = ("language", *TEXT_FIELDS)
VERSION_FIELDS = ("number", "language", *TEXT_FIELDS, "text_hash", "created_at")
# What a signature's row holds beside its display choice, level and version: the
# presenter's organisers' view, each under the Signature field it comes from.
SHOWN = (
    "name",
    "institution",
    "affiliation",
    "title",
    "department",
    "location",
    "country",
    "postal_code",
    "comment",
)
SIGNATURE_KEYS = ("display", "level", "version", *SHOWN, "confirmed_on")
# Signatures written to the database at a time, and read from it at a time.
BATCH = 1000
# How much of a file the reader takes at a time.
READ_SIZE = 1 << 16


def letter_export(
    letter: Letter, *, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """The letter as a transfer file holds it, its keys in KEYS' order.

    The signatures are read first, into a temporary file, and counted as they are read,
    so the count beside them is exactly theirs however the letter moves meanwhile;
    `signatures` is an iterator over that file, to be read once. `progress` is told how
    many signatures were read, every BATCH of them.
    """
    signatures, count = _signatures_spooled(letter, progress)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "source": {
            "base_url": settings.BASE_URL,
            "url": settings.BASE_URL + letter.get_absolute_url(),
            "organisation": letter.organisation.name,
            "status": letter.status,
            "published_at": letter.published_at,
        },
        "letter": {field: getattr(letter, field) for field in LETTER_FIELDS},
        "targets": [
            {field: getattr(target, field) for field in TARGET_FIELDS}
            for target in letter.targets.all()
        ],
        "translations": [
            {field: getattr(translation, field) for field in TRANSLATION_FIELDS}
            for translation in letter.translations.order_by("language")
        ],
        # Read after the signatures, so every version one of them signed is among them.
        "versions": [
            {field: getattr(version, field) for field in VERSION_FIELDS}
            for version in letter.versions.order_by("number")
        ],
        "count": {"total": count.total, "verified": count.verified},
        "signatures": signatures,
    }


def letter_export_json(
    letter: Letter, *, progress: Callable[[int], None] | None = None
) -> Iterator[str]:
    """The transfer file's text, piece by piece: each key of the head on a line of its
    own, then each signature on one."""
    return json_chunks(letter_export(letter, progress=progress))


def json_chunks(data: Mapping[str, Any]) -> Iterator[str]:
    """An object as JSON, whose values may be iterators: each written as a list, an item
    at a time, never all of it at once."""
    yield "{"
    for n, (key, value) in enumerate(data.items()):
        yield ("," if n else "") + "\n" + _dumps(key) + ": "
        if isinstance(value, Iterator):
            yield "["
            for i, item in enumerate(value):
                yield ("," if i else "") + "\n" + _dumps(item)
            yield "\n]"
        else:
            yield _dumps(value)
    yield "\n}\n"


class _Encoder(DjangoJSONEncoder):
    """Django's JSON, but every moment to the microsecond, as the database keeps it."""

    def default(self, o: object) -> object:
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, cls=_Encoder)


def _signatures_spooled(
    letter: Letter, progress: Callable[[int], None] | None
) -> tuple[Iterator[dict[str, Any]], LetterCount]:
    spool = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8")  # noqa: SIM115  # closed by the iterator
    count = LetterCount()
    try:
        for row in _signature_rows(letter):
            spool.write(_dumps(row) + "\n")
            count += LetterCount(1, 1 if row["level"] == Level.VERIFIED else 0)
            if progress and count.total % BATCH == 0:
                progress(count.total)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return _spooled(spool), count


def _spooled(spool: IO[str]) -> Iterator[dict[str, Any]]:
    with spool:
        for line in spool:
            yield json.loads(line)


def _signature_rows(letter: Letter) -> Iterator[dict[str, Any]]:
    """Each counted signature as the letter's organisers may see it, oldest first: what
    the presenter shows them, a hidden name never, and before the reveal threshold only
    what the count says of it."""
    numbers = _version_numbers(letter)
    signatures = counted_in_order(letter)
    if not names_revealed(letter):
        rows = signatures.values_list("display", "level", "letter_version_id")
        for display, level, version_id in rows.iterator(chunk_size=BATCH):
            yield {
                "display": display,
                "level": level,
                "version": numbers(version_id),
                **dict.fromkeys(SHOWN, ""),
                "confirmed_on": None,
            }
        return
    shown = signatures_shown(letter, signatures, Audience.ORGANISERS, also=("letter_version_id",))
    for signature, signatory in shown:
        named = signature.display != Display.ANONYMOUS and signature.name
        yield {
            "display": signature.display,
            "level": signature.level,
            "version": numbers(signature.letter_version_id),
            "name": signatory.name if named else "",
            "institution": signatory.institution,
            "affiliation": signatory.claimed_affiliation,
            "title": signatory.title,
            "department": signatory.department,
            "location": signatory.location,
            "country": signatory.country,
            "postal_code": signatory.postal_code,
            "comment": signatory.comment,
            "confirmed_on": signatory.confirmed_on,
        }


def _version_numbers(letter: Letter) -> Callable[[int], int]:
    """The number of a version of the letter by its id, read once, and again for one
    made while the export reads."""
    numbers: dict[int, int] = {}

    def number(version_id: int) -> int:
        if version_id not in numbers:
            numbers.update(letter.versions.values_list("pk", "number"))
        return numbers[version_id]

    return number


def transfer_read(file: IO[str]) -> dict[str, Any]:
    """A transfer file as letter_import takes it: everything before the signatures read at
    once, and the signatures one at a time as they are taken, so however many there are,
    they are never all in memory. The signatures come last, as letter_export writes them;
    a file is refused if anything follows them."""
    stream = _JsonStream(file)
    stream.expect("{", _("The file is not an undersigned letter file: it holds no object."))
    data: dict[str, Any] = {}
    if stream.take("}"):
        stream.expect("", _("The file goes on after its end."))
        return data
    while True:
        key = stream.value()
        if not isinstance(key, str):
            raise _refused(_("The file is not valid JSON."))
        stream.expect(":", _("The file is not valid JSON."))
        if key == "signatures":
            data[key] = _signatures_read(stream)
            return data
        data[key] = stream.value()
        if stream.take("}"):
            stream.expect("", _("The file goes on after its end."))
            return data
        stream.expect(",", _("The file is not valid JSON."))


def _signatures_read(stream: "_JsonStream") -> Iterator[Any]:
    stream.expect("[", _("In the file, “%(key)s” is not a list.") % {"key": "signatures"})
    if not stream.take("]"):
        while True:
            yield stream.value()
            if stream.take("]"):
                break
            stream.expect(",", _("The file is not valid JSON."))
    if stream.take(","):
        raise _refused(
            _("The signatures must be the last thing in the file, as undersigned writes it.")
        )
    stream.expect("}", _("The file is not valid JSON."))
    stream.expect("", _("The file goes on after its end."))


_NOT_SPACE = re.compile(r"\S")
_DECODER = json.JSONDecoder()


class _JsonStream:
    """JSON read from a file one value at a time, READ_SIZE characters at a time."""

    def __init__(self, file: IO[str]) -> None:
        self.file = file
        self.text = ""
        self.at = 0
        self.ended = False

    def _more(self) -> bool:
        if self.ended:
            return False
        chunk = self.file.read(READ_SIZE)
        if not chunk:
            self.ended = True
            return False
        self.text = self.text[self.at :] + chunk
        self.at = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space, "" at the end of the file."""
        while True:
            found = _NOT_SPACE.search(self.text, self.at)
            if found:
                self.at = found.start()
                return self.text[self.at]
            self.at = len(self.text)
            if not self._more():
                return ""

    def take(self, char: str) -> bool:
        if self.peek() != char:
            return False
        self.at += 1
        return True

    def expect(self, char: str, refusal: str) -> None:
        if char == "":
            if self.peek() != "":
                raise _refused(refusal)
        elif not self.take(char):
            raise _refused(refusal)

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.at)
            except json.JSONDecodeError as error:
                if self._more():
                    continue
                raise _refused(
                    _("The file is not valid JSON: %(error)s.") % {"error": error.msg}
                ) from None
            # A number that ends where the text read so far ends may go on after it.
            if end == len(self.text) and self._more():
                continue
            self.at = end
            return value


def _refused(message: str) -> ValidationError:
    return ValidationError(message, code="transfer")


@dataclass(frozen=True)
class _Head:
    """Everything in a file but its signatures, validated and not yet saved."""

    letter: Letter
    targets: list[Target]
    translations: list[LetterTranslation]
    versions: list[LetterVersion]
    count: LetterCount
    source: dict[str, Any]


def letter_import(
    *,
    data: Mapping[str, Any],
    organisation: Organisation,
    imported_by: User | None,
    progress: Callable[[int], None] | None = None,
) -> Letter:
    """Create a letter of `organisation` from a transfer file (`data`: what transfer_read
    or json.load made of it), with its targets, translations, versions (their numbers
    and hashes kept) and counted signatures, as a draft its organisers publish when they
    are ready.

    Everything is checked, and a file found wrong anywhere, down to its last signature
    or a count its signatures do not make, is refused whole with a ValidationError that
    says where: nothing is written. The signatures are written BATCH at a time through
    signing's own write (signing/imports.py), so the count moves with their events;
    `progress` is told how many are written after each batch. The import is in the
    organisation's audit log, by `imported_by` (None: the site's operator).
    """
    head = _head(data, organisation)
    with transaction.atomic():
        letter = head.letter
        letter_save(letter=letter, targets=head.targets)
        for translation in head.translations:
            translation.letter = letter
            translation.save()
        versions = _versions_save(letter, head.versions)
        moved = LetterCount()
        entries = _entries(data.get("signatures", ()), versions)
        while batch := list(islice(entries, BATCH)):
            moved += signatures_import(letter=letter, signatures=batch)
            if progress:
                progress(moved.total)
        if moved != head.count:
            raise _refused(
                _(
                    "The file says it holds %(total)s signatures (%(verified)s verified) but "
                    "holds %(found)s (%(found_verified)s verified): it is incomplete or was "
                    "changed."
                )
                % {
                    "total": head.count.total,
                    "verified": head.count.verified,
                    "found": moved.total,
                    "found_verified": moved.verified,
                }
            )
        audit_record(
            action="letter.import",
            actor=imported_by,
            target=letter,
            organisation_id=organisation.pk,
            detail={
                "from": str(head.source.get("url", ""))[:500],
                "status_there": str(head.source.get("status", ""))[:20],
                "versions": len(versions),
                "signatures": moved.total,
                "verified": moved.verified,
            },
        )
    return letter


def _head(data: Mapping[str, Any], organisation: Organisation) -> _Head:
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise _refused(_("The file is not an undersigned letter file."))
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise _refused(
            _(
                "The file is in format version %(version)s; this undersigned reads version "
                "%(ours)s. Export the letter again from an undersigned of the same version."
            )
            % {"version": version, "ours": FORMAT_VERSION}
        )
    _known(data, KEYS, _("the file"))
    source = data.get("source", {})
    _check(isinstance(source, dict), _("The file's source is not an object."))
    letter = _letter(_object(data.get("letter"), _("the letter")), organisation)
    targets = [_target(entry, n) for n, entry in _numbered(data.get("targets", []), "targets")]
    translations = _translations(letter, data.get("translations", []))
    versions = _versions_read(data.get("versions", []))
    return _Head(letter, targets, translations, versions, _count(data.get("count")), source)


def _numbered(value: object, key: str) -> Iterable[tuple[int, Any]]:
    if not isinstance(value, list):
        raise _refused(_("In the file, “%(key)s” is not a list.") % {"key": key})
    return enumerate(value, start=1)


def _letter(fields: dict[str, Any], organisation: Organisation) -> Letter:
    _known(fields, LETTER_FIELDS, _("the letter"))
    for name, value in fields.items():
        _typed(Letter, name, value, _("the letter"))
    _language(fields.get("language", Letter._meta.get_field("language").get_default()))
    letter = Letter(organisation=organisation, status=Status.DRAFT, **fields)
    # The same slug where it is free here, else the next free one made from it.
    letter.slug = free_slug(Letter.objects.all(), letter.slug, fallback="letter")
    _clean(letter, _("the letter"))
    return letter


def _target(entry: object, n: int) -> Target:
    where = _("target %(n)s") % {"n": n}
    fields = _object(entry, where)
    _known(fields, TARGET_FIELDS, where)
    target = Target(position=n - 1, **_texts(Target, fields, where))
    _clean(target, where, exclude=["letter"])
    return target


def _translations(letter: Letter, value: object) -> list[LetterTranslation]:
    translations: dict[str, LetterTranslation] = {}
    for n, entry in _numbered(value, "translations"):
        where = _("translation %(n)s") % {"n": n}
        fields = _object(entry, where)
        _known(fields, TRANSLATION_FIELDS, where)
        translation = LetterTranslation(**_texts(LetterTranslation, fields, where))
        _language(translation.language)
        _check(
            translation.language != letter.language and translation.language not in translations,
            _("The file has two texts of the letter in %(language)s.")
            % {"language": translation.language},
        )
        _clean(translation, where, exclude=["letter"])
        translations[translation.language] = translation
    return list(translations.values())


def _versions_read(value: object) -> list[LetterVersion]:
    versions: dict[int, LetterVersion] = {}
    for n, entry in _numbered(value, "versions"):
        where = _("version %(n)s") % {"n": n}
        fields = _object(entry, where)
        _known(fields, VERSION_FIELDS, where)
        number, created_at = fields.pop("number", None), fields.pop("created_at", None)
        _check(
            type(number) is int and number > 0 and number not in versions,
            _("In the file, %(where)s has no number of its own.") % {"where": where},
        )
        version = LetterVersion(number=number, **_texts(LetterVersion, fields, where))
        # Kept to tell one text from another, the hash must still be its text's.
        own = text_hash(
            version.title, version.body, version.demands, version.pledge, version.language
        )
        _check(
            version.text_hash == own,
            _("The text of version %(number)s does not match its hash: the file was changed.")
            % {"number": number},
        )
        version.created_at = _moment(created_at, where)
        _clean(version, where, exclude=["letter"])
        versions[number] = version
    return list(versions.values())


def _count(value: object) -> LetterCount:
    count = _object(value, _("the count"))
    _known(count, ("total", "verified"), _("the count"))
    total, verified = count.get("total"), count.get("verified")
    if type(total) is not int or type(verified) is not int or not 0 <= verified <= total:
        raise _refused(_("The file's count is not a number of signatures and of verified ones."))
    return LetterCount(total, verified)


def _versions_save(letter: Letter, versions: list[LetterVersion]) -> dict[int, LetterVersion]:
    # Made when their text was published there, not now, as saving them would say.
    made = [version.created_at for version in versions]
    for version in versions:
        version.letter = letter
    LetterVersion.objects.bulk_create(versions)
    for version, created_at in zip(versions, made, strict=True):
        LetterVersion.objects.filter(pk=version.pk).update(created_at=created_at)
        version.created_at = created_at
    return {version.number: version for version in versions}


def _entries(value: object, versions: dict[int, LetterVersion]) -> Iterator[Imported]:
    if not isinstance(value, Iterable) or isinstance(value, str | bytes | Mapping):
        raise _refused(_("In the file, “%(key)s” is not a list.") % {"key": "signatures"})
    now = timezone.now()
    for n, entry in enumerate(value, start=1):
        yield _entry(entry, n, versions, now)


def _entry(entry: object, n: int, versions: dict[int, LetterVersion], now: datetime) -> Imported:
    where = _("signature %(n)s") % {"n": n}
    fields = _object(entry, where)
    _known(fields, SIGNATURE_KEYS, where)
    display, level, number = fields.get("display"), fields.get("level"), fields.get("version")
    _check(
        display in Display.values,
        _("In the file, %(where)s has no way to show its name.") % {"where": where},
    )
    _check(
        level in IMPORTABLE_LEVELS,
        _("In the file, %(where)s has a level this undersigned does not know: %(level)s.")
        % {"where": where, "level": level},
    )
    version = versions.get(number) if type(number) is int else None
    if version is None:
        raise _refused(
            _("In the file, %(where)s signed a version the file does not hold.") % {"where": where}
        )
    texts = _texts(Signature, {key: fields.get(key, "") for key in SHOWN}, where)
    _check(
        display != Display.ANONYMOUS or not texts["name"],
        _("In the file, %(where)s is anonymous yet carries a name.") % {"where": where},
    )
    confirmed_on = _day(fields.get("confirmed_on"), where, now)
    confirmed_at = (
        timezone.make_aware(datetime.combine(confirmed_on, time.min)) if confirmed_on else now
    )
    return Imported(
        letter_version=version,
        level=str(level),
        display=str(display),
        confirmed_at=confirmed_at,
        **texts,
    )


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _refused(_("In the file, %(where)s is not an object.") % {"where": where})
    return dict(value)


def _known(fields: Mapping[str, Any], known: Iterable[str], where: str) -> None:
    unknown = sorted(set(fields) - set(known))
    _check(
        not unknown,
        _("In the file, %(where)s has what this undersigned does not know: %(keys)s.")
        % {"where": where, "keys": ", ".join(unknown)},
    )


def _texts(model: type[models.Model], fields: Mapping[str, Any], where: str) -> dict[str, str]:
    """Text fields of a model, each a string no longer than its column."""
    for name, value in fields.items():
        _typed(model, name, value, where)
    return dict(fields)


def _typed(model: type[models.Model], name: str, value: object, where: str) -> None:
    """Refuse a value whose type its field would silently turn into another, as a list
    made text or a number made true; the field's own checks come after (full_clean)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # a model's own column, never a relation's
    kind = field.get_internal_type()
    if value is None and field.null:
        return
    if kind in ("CharField", "TextField", "SlugField"):
        right = isinstance(value, str)
        if right and field.max_length and len(str(value)) > field.max_length:
            raise _refused(
                _("In the file, %(where)s has a %(field)s longer than %(length)s characters.")
                % {"where": where, "field": name, "length": field.max_length}
            )
    elif kind == "BooleanField":
        right = isinstance(value, bool)
    elif kind.endswith("IntegerField"):
        right = type(value) is int
    else:
        right = True
    _check(
        right,
        _("In the file, %(where)s has a %(field)s of the wrong kind.")
        % {"where": where, "field": name},
    )


def _language(code: object) -> None:
    _check(
        code in dict(settings.LANGUAGES),
        _(
            "The file has a text in %(language)s, a language this undersigned does not "
            "offer (its LANGUAGES setting)."
        )
        % {"language": code},
    )


def _moment(value: object, where: str) -> datetime:
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or not timezone.is_aware(moment):
        raise _refused(_("In the file, %(where)s has no time it was made.") % {"where": where})
    return moment


def _day(value: object, where: str, now: datetime) -> date | None:
    if value is None:
        return None
    try:
        day = parse_date(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    _check(
        day is not None and day <= timezone.localdate(now),
        _("In the file, %(where)s has a day of confirmation that is not a past day.")
        % {"where": where},
    )
    return day


def _clean(instance: models.Model, where: str, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        problems = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
        raise _refused(
            _("In the file, %(where)s is refused: %(problems)s")
            % {"where": where, "problems": problems}
        ) from None


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise _refused(message)
