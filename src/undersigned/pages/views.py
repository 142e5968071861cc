"""The pages that show several apps together: the home page, a letter's public pages with
its sign form, and the organiser's dashboard and preview."""

from dataclasses import replace

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from undersigned.letters.access import letter_for_member, public_letter
from undersigned.letters.models import Letter, LetterVersion
from undersigned.lib.caching import cacheable
from undersigned.lib.challenge import challenge_new
from undersigned.lib.client_ip import client_ip
from undersigned.lib.email_address import email_domain
from undersigned.lib.languages import translated_path
from undersigned.lib.network import address_hash, subnet_hash
from undersigned.lib.origin import is_same_origin
from undersigned.lib.page_cache import page_cached
from undersigned.organisations.access import Action, OrganiserRequest, may
from undersigned.signing.abuse import (
    CHALLENGE_FIELD,
    FORM_STARTED_FIELD,
    challenge_passed,
    domain_tally,
    form_suspicions,
    network_level,
    network_tally,
    suspect_codes,
)
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.forms import SignatureForm
from undersigned.signing.presentation import Audience, signatories
from undersigned.signing.public_count import public_count, shown
from undersigned.signing.signatures import signature_create
from undersigned.signing.views import refuse

from .dashboard import dashboard_entries
from .embed import embed_form_page, embed_framed, is_embedded
from .home import letter_cards
from .letter_page import (
    count_context,
    institution_groups,
    letter_page_context,
    listed_signatures,
)
from .numbers import letter_numbers
from .share import letter_share

SIGNATURES_PER_PAGE = 50


def home(request: HttpRequest) -> HttpResponseBase:
    cards = letter_cards()
    context = {
        "open_letters": [card for card in cards if card.letter.is_open],
        "past_letters": [card for card in cards if not card.letter.is_open],
    }
    return _page(render(request, "letters/home.html", context), seconds=5)


def letter_detail(request: HttpRequest, slug: str) -> HttpResponseBase:
    letter = public_letter(slug)
    # A page whose address carries a `?source=` tag is never kept by the page cache, which
    # keeps only addresses without a query (lib/page_cache.py), so its form can carry it.
    context = letter_page_context(letter, source=request.GET.get("source", ""))
    context["share"] = letter_share(letter, context["text"], context["count"])
    return _page(render(request, "letters/letter_detail.html", context))


@csrf_exempt  # public pages carry no per-visitor token; see is_same_origin
@require_POST
@never_cache
def sign(request: HttpRequest, slug: str) -> HttpResponseBase:
    letter = public_letter(slug)
    if is_embedded(request):
        # The embed's form (pages/embed.py): its answers show inside the other site's frame.
        return embed_framed(letter, _sign(request, letter, embedded=True))
    return _sign(request, letter, embedded=False)


def _sign(request: HttpRequest, letter: Letter, *, embedded: bool) -> HttpResponse:
    if not is_same_origin(request):
        return refuse(request, _("This form must be sent from our own page."), 403)
    ip = client_ip(request)
    pressure = network_tally(letter, ip)
    if pressure.refused:
        return _refused_for_now(request)
    form = SignatureForm(request.POST, letter=letter)
    if form.is_valid():
        data = form.to_input()
        pressure = pressure.with_(domain_tally(letter, email_domain(data.email)))
        if pressure.refused:
            return _refused_for_now(request)
        if not challenge_passed(request.POST.get(CHALLENGE_FIELD, ""), level=pressure.level):
            # Nothing is written. What the signer typed stays in the form, and the page
            # solves the challenge and sends it again by itself.
            form.add_error(None, CHALLENGE_NEEDED)
            return _form_page(
                request, letter, form, status=429, challenge_required=True, embedded=embedded
            )
        suspicions = pressure.suspect | form_suspicions(request.POST)
        kept = replace(
            data,
            ip_hash=address_hash(ip),
            subnet_hash=subnet_hash(ip),
            suspect=suspect_codes(suspicions),
            language=get_language(),
        )
        try:
            signature_create(letter=letter, data=kept)
        except ValidationError as error:
            form.add_refusal(error)
        else:
            # A suspect signature is answered exactly as any other.
            signed = "letter_embed_signed" if embedded else "letter_signed"
            return redirect(signed, slug=letter.slug)
    return _form_page(request, letter, form, status=400, embedded=embedded)


def _refused_for_now(request: HttpRequest) -> HttpResponse:
    """Past a hard limit: a short page, cheap to send however often a script asks."""
    response = refuse(request, _("Too many signatures from your network. Try again later."), 429)
    response["Retry-After"] = "3600"
    return response


CHALLENGE_NEEDED = gettext_lazy(
    "Many signatures are coming from your network just now, so your browser must first "
    "solve a short puzzle. With JavaScript on, it does so by itself in a few seconds; "
    "otherwise, try again later."
)


@never_cache
def letter_challenge(request: HttpRequest, slug: str) -> HttpResponse:
    """A proof-of-work challenge for the sign form, as costly as this client's network
    and the letter's traffic make it now (signing/abuse.py)."""
    letter = public_letter(slug)
    return JsonResponse(challenge_new(pressure=network_level(letter, client_ip(request))))


def _form_page(
    request: HttpRequest,
    letter: Letter,
    form: SignatureForm,
    *,
    status: int,
    challenge_required: bool = False,
    embedded: bool,
) -> HttpResponse:
    """The sign form sent back: on the letter page, or in the embed it came from."""
    started = request.POST.get(FORM_STARTED_FIELD, "")
    if embedded:
        return embed_form_page(
            request,
            letter,
            form,
            started=started,
            status=status,
            challenge_required=challenge_required,
        )
    context = letter_page_context(letter, form=form, started=started)
    context["challenge_required"] = challenge_required
    return render(request, "letters/letter_detail.html", context, status=status)


def _page(response: HttpResponse, seconds: int = 1) -> HttpResponseBase:
    """A public page: any cache may keep it for `seconds`, and each web process renders
    it at most once in LETTER_CACHE_SECONDS for everyone (lib/page_cache.py)."""
    return page_cached(cacheable(response, seconds), settings.LETTER_CACHE_SECONDS)


def letter_count_json(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The count for scripts and the page's live count. Read fresh, since the page cache
    keeps the answer for a second: a confirmation shows here within about a second."""
    letter = public_letter(slug)
    count = letter_count_fresh(letter.pk)
    response = JsonResponse(
        {
            "total_signatures": letter.stepped(count.total),
            "verified": letter.stepped(count.verified),
            "display": letter.shown_number(count.total),
            # "signature" or "signatures" in the request's language, as the page says it
            # beside the number (ngettext, through NOUNS).
            "label": shown(letter, count.total, "signature").label,
            "goal": letter.goal,
        }
    )
    # Kept half as long as a page: with the render it is at most about a second old.
    return page_cached(cacheable(response), settings.LETTER_CACHE_SECONDS / 2)


def letter_signatures(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The signatories: newest first or grouped by institution, or those of one institution.

    Nobody is listed while the letter's reveal threshold is not reached. Letters with
    count steps list by name and never newest first (see presentation.listing_order).
    """
    letter = public_letter(slug)
    count = public_count(letter)
    institution = request.GET.get("institution", "").strip()
    by_institution = request.GET.get("by") == "institution" and not institution
    context = {
        **count_context(count),
        "letter": letter,
        "institution": institution,
        "by_institution": by_institution,
        "institutions": [(name, shown(letter, n, "signature")) for name, n in count.institutions],
        "page": None,
    }
    if count.names_revealed:
        signatures = listed_signatures(
            letter, institution=institution, by_institution=by_institution
        )
        page = Paginator(signatures, SIGNATURES_PER_PAGE).get_page(request.GET.get("page"))
        context["page"] = page
        context["signatories"] = list(signatories(letter, page))
        if by_institution:
            context["groups"] = institution_groups(count, context["signatories"])
        if institution:
            context["institution_count"] = shown(
                letter, count.signatures_from(institution), "signature"
            )
    # The chart, the map and their tables, on the whole list's first page only: another
    # page, or one institution's signatories, would only repeat them.
    if not institution and (context["page"] is None or context["page"].number == 1):
        context["numbers"] = letter_numbers(count, Audience.PUBLIC)
    return _page(render(request, "letters/letter_signatures.html", context), seconds=5)


def letter_versions(request: HttpRequest, slug: str) -> HttpResponseBase:
    letter = public_letter(slug)
    context = {"letter": letter, "versions": _versions(letter)}
    return _page(render(request, "letters/letter_versions.html", context), seconds=60)


@login_required
@never_cache
def dashboard(request: OrganiserRequest) -> HttpResponse:
    context = {"entries": dashboard_entries(request.user)}
    return render(request, "organisations/dashboard.html", context)


@login_required
@never_cache
def letter_preview(request: OrganiserRequest, slug: str) -> HttpResponse:
    letter, role = letter_for_member(request, slug)
    context = {
        **letter_page_context(letter),
        "can_edit": may(role, Action.EDIT),
    }
    return render(request, "letters/editor/preview.html", context)


def _versions(letter: Letter) -> list[tuple[LetterVersion, str, bool]]:
    """Each version, newest first, with the name of its language where it is a
    translation's, and whether it is the current text in its language."""
    names = dict(settings.LANGUAGES)
    versions = list(letter.versions.all())
    newest: dict[str, int] = {}
    for version in versions:
        newest.setdefault(version.language, version.number)
    return [
        (
            version,
            names.get(version.language, "") if version.language else "",
            newest[version.language] == version.number,
        )
        for version in versions
    ]


def language_choose(request: HttpRequest, code: str) -> HttpResponse:
    """The switcher's link: remember the language chosen (only its code, in a cookie) and
    show the page the visitor was on in it (lib/languages.py)."""
    if code not in dict(settings.LANGUAGES):
        raise Http404("No such language.")
    wanted = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        wanted = translated_path("/", code)
    response = HttpResponseRedirect(wanted)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path="/",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",
    )
    response["Cache-Control"] = "private, no-store"
    return response
