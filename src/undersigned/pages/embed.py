"""A letter's sign form inside another site's page (docs/sharing.md).

A news site pastes an `<iframe>` of `/letters/<slug>/embed/`, or a `<div>` and our
`static/js/embed.js`, which makes the frame and sets its height as the form tells it
(`static/js/embed-height.js`, by postMessage). The frame is a page of ours, so the form in
it is the letter page's own (templates/letters/_sign_form.html): it posts from our origin
to the same view with the same defences (the Origin check, the limits, the challenge), and
only a hidden `embed` field says to answer inside the frame. The flow needs no cookie, so a
browser that keeps none for a site in a frame of another signs all the same.

Only these pages may be framed: by the sites the organisers listed (Letter.embed_origins)
and our own pages, or by any site where they listed none. What may frame them depends on
the letter alone, so they are public pages like the letter's, cached and the same for
everyone.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import get_language

from undersigned.letters.access import public_letter
from undersigned.letters.models import Letter, LetterTranslation
from undersigned.lib.caching import cacheable
from undersigned.lib.content_policy import framed_by
from undersigned.lib.page_cache import page_cached
from undersigned.signing.forms import SignatureForm
from undersigned.signing.public_count import public_count

from .letter_page import count_context, sign_form_context
from .share import letter_share_links

# The hidden field of the embed's form, and the `?source=` tag its signatures carry unless
# the page framing it gives its own.
EMBED_FIELD = "embed"
EMBED_SOURCE = "embed"


def embed_ancestors(letter: Letter) -> list[str]:
    """Who may frame the letter's embed: the sites its organisers listed, and our own pages
    (a preview), or any site where they listed none."""
    return ["'self'", *letter.embed_origins] if letter.embed_origins else ["*"]


def embed_framed(letter: Letter, response: HttpResponseBase) -> HttpResponseBase:
    """`response`, allowed in a frame of the letter's embed ancestors and in no other."""

    def view(_request: Any) -> HttpResponseBase:
        return response

    return framed_by(*embed_ancestors(letter))(view)(None)


def is_embedded(request: HttpRequest) -> bool:
    """Whether a POST to the sign view came from the embed's form."""
    return request.POST.get(EMBED_FIELD) == "1"


def embed_context(
    letter: Letter, form: SignatureForm | None = None, *, started: str = "", source: str = ""
) -> dict[str, Any]:
    count = public_count(letter)
    text = letter.text_in(get_language())
    return {
        **count_context(count),
        **sign_form_context(letter, text, form, started=started, source=source or EMBED_SOURCE),
        **_about(letter, text),
        "shown_total": count.shown_total,
        "progress": count.progress,
        "embedded": True,
    }


def _about(letter: Letter, text: Letter | LetterTranslation) -> dict[str, Any]:
    return {
        "letter": letter,
        "text": text,
        "text_language": text.language,
        "letter_url": settings.BASE_URL + letter.get_absolute_url(),
    }


def letter_embed(request: HttpRequest, slug: str) -> HttpResponseBase:
    letter = public_letter(slug)
    context = embed_context(letter, source=request.GET.get("source", ""))
    return _embed_page(letter, render(request, "letters/embed.html", context))


def embed_form_page(
    request: HttpRequest,
    letter: Letter,
    form: SignatureForm,
    *,
    started: str,
    status: int,
    challenge_required: bool,
) -> HttpResponse:
    """The embed's form sent back by the sign view, with what is wrong or what it needs."""
    context = embed_context(letter, form=form, started=started)
    context["challenge_required"] = challenge_required
    return render(request, "letters/embed.html", context, status=status)


def letter_embed_signed(request: HttpRequest, slug: str) -> HttpResponseBase:
    """Where the embed's form leads once signed: "check your email", inside the frame."""
    letter = public_letter(slug)
    text = letter.text_in(get_language())
    context = {**_about(letter, text), "share_links": letter_share_links(letter, text)}
    return _embed_page(letter, render(request, "letters/embed_signed.html", context), seconds=300)


def _embed_page(letter: Letter, response: HttpResponse, seconds: int = 1) -> HttpResponseBase:
    """A public page like the letter's (pages/views.py: _page), framed as its embed."""
    framed = embed_framed(letter, cacheable(response, seconds))
    return page_cached(framed, settings.LETTER_CACHE_SECONDS)
