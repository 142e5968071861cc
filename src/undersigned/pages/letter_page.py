"""What the public pages of a letter say: its count, its text, its sign form, its signatories."""

from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language, ngettext

from undersigned.letters.models import Letter, LetterTranslation
from undersigned.lib.languages import switch_url
from undersigned.signing.abuse import form_started
from undersigned.signing.forms import SignatureForm, source_tag
from undersigned.signing.models import Signature
from undersigned.signing.presentation import Signatory, listing_order, signatories
from undersigned.signing.public_count import PublicCount, Shown, count_line, public_count, shown

from .story import letter_story

RECENT_SIGNATURES = 10
INSTITUTIONS_NAMED = 4


def count_context(count: PublicCount) -> dict[str, Any]:
    """What every public page of a letter says about its count, steps applied."""
    letter = count.letter
    return {
        "count": count,
        "count_line": count_line(count),
        "so_far": shown(letter, count.verified, "verified person"),
    }


def letter_page_context(
    letter: Letter, form: SignatureForm | None = None, *, started: str = "", source: str = ""
) -> dict[str, Any]:
    """What the letter page shows; `started` is the stamp a re-rendered form sent back,
    kept if it is ours (signing/abuse.py: form_started), and `source` the `?source=` tag
    of the page's address, which the form carries to the signature."""
    count = public_count(letter)
    text = letter.text_in(get_language())
    # Newest first would tie a new entry to the newest signer, which count steps exist
    # to prevent; those letters list their signatories by name on the signatures page.
    show_recent = count.names_revealed and not letter.count_step
    about_count = count_context(count)
    return {
        **about_count,
        "letter": letter,
        "text": text,
        "text_language": text.language,
        "read_in": _read_in(letter),
        "targets": letter.targets.all(),
        "shown_total": count.shown_total,
        "progress": count.progress,
        "recent": _recent(letter) if show_recent else None,
        "named_institutions": count.institutions[:INSTITUTIONS_NAMED]
        if count.names_revealed
        else (),
        **sign_form_context(letter, text, form, started=started, source=source),
        "all_signatures": _all_signatures(count.total, about_count["count_line"][0]),
        "earlier_versions": max(0, letter.versions.filter(language="").count() - 1),
        "story": letter_story(letter, count),
    }


def sign_form_context(
    letter: Letter,
    text: Letter | LetterTranslation,
    form: SignatureForm | None = None,
    *,
    started: str = "",
    source: str = "",
) -> dict[str, Any]:
    """What the sign form needs (templates/letters/_sign_form.html), on the letter page and
    in its embed (pages/embed.py): a new form for the text its signer reads, or the one
    sent back, with the page's stamp and where the challenge comes from."""
    if form is None:
        initial = {"version": _version_hash(letter, text), "source": source_tag(source)}
        form = SignatureForm(letter=letter, initial=initial)
    return {
        "form": form,
        "form_started": form_started(started),
        "challenge_url": reverse("letter_challenge", args=[letter.slug]),
    }


def _version_hash(letter: Letter, text: Letter | LetterTranslation) -> str:
    """What the sign form sends back to say which text its signer read: the hash of the
    version kept of it (letters/publishing.py), a translation's included."""
    if isinstance(text, LetterTranslation):
        return text.text_hash()
    current = letter.versions.filter(language="").order_by("-number").first()
    return current.text_hash if current else ""


def _read_in(letter: Letter) -> list[tuple[str, str, str]]:
    """Each language the letter can be read in, as (code, name, this page in it); empty
    for a letter in one language."""
    languages = letter.languages
    if len(languages) < 2:
        return []
    names = dict(settings.LANGUAGES)
    path = letter.get_absolute_url()
    return [(code, names.get(code, code), switch_url(path, code)) for code in languages]


def _all_signatures(total: int, shown_total: Shown) -> str:
    """The link to the whole list: "All 2,739 signatures", or "The signature" for one."""
    return ngettext("The signature", "All %(count)s signatures", total) % {
        "count": shown_total.number
    }


def _recent(letter: Letter) -> list[Signatory]:
    signatures = Signature.objects.counted().filter(letter=letter)
    return list(signatories(letter, signatures.newest_first()[:RECENT_SIGNATURES]))


def listed_signatures(letter: Letter, *, institution: str, by_institution: bool) -> Any:
    signatures = Signature.objects.counted().filter(letter=letter)
    if institution:
        signatures = signatures.verified().filter(institution=institution)
    return listing_order(letter, signatures, by_institution=by_institution)


@dataclass(frozen=True)
class InstitutionGroup:
    name: str  # "" for the signatories no institution verified
    count: Shown
    signatories: list[Signatory]


def institution_groups(count: PublicCount, signatories: list[Signatory]) -> list[InstitutionGroup]:
    """One page's signatories under a heading per institution, each with the count of all
    its signatories, not only those on this page."""
    letter = count.letter
    unverified = count.total - sum(n for _name, n in count.institutions)
    return [
        InstitutionGroup(
            name=name,
            count=shown(
                letter,
                count.signatures_from(name) if name else unverified,
                "signature",
            ),
            signatories=list(members),
        )
        for name, members in groupby(signatories, key=lambda s: s.institution)
    ]
