"""The moderator's pages of a letter: what is trending, finding signatures, acting on
many at once or one, undoing a batch, and approving or hiding signers' comments; and the
platform's list of alerts."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from undersigned.letters.models import Display, Letter
from undersigned.organisations.access import OrganiserRequest
from undersigned.signing.comments import comment_hide, comment_show
from undersigned.signing.models import CommentState, Signature, SignatureQuerySet, State
from undersigned.signing.presentation import Audience, comment_text, signatory
from undersigned.signing.public_count import names_revealed

from .access import letter_for_moderator, require_staff
from .batches import (
    Changed,
    Preview,
    invalidation_make,
    invalidation_preview,
    invalidation_undo,
    signature_moderate,
)
from .forms import BatchForm, SingleForm, WindowForm
from .labels import subnet_label
from .models import FraudAlert, Invalidation
from .search import SearchForm
from .trending import trending

PAGE = 100
# How far back the pages list alerts.
ALERTS_SHOWN = timedelta(days=7)


@login_required
@never_cache
def letter_moderation(request: OrganiserRequest, slug: str) -> HttpResponse:
    """Trending subnets and domains, the letter's alerts and its batches."""
    letter = letter_for_moderator(request, slug)
    window = WindowForm(request.GET if "hours" in request.GET else None)
    hours = window.cleaned_data["hours"] if window.is_valid() else 24
    context = {
        "letter": letter,
        "window": window,
        "trending": trending(letter, hours=hours or 24),
        "alerts": _recent(FraudAlert.objects.filter(letter=letter).select_related("letter")),
        "batches": Invalidation.objects.filter(letter=letter).newest_first()[:20],
        "comments_waiting": _comments(letter, CommentState.WAITING).count(),
    }
    return render(request, "moderation/letter.html", context)


@login_required
@never_cache
def letter_moderation_signatures(request: OrganiserRequest, slug: str) -> HttpResponse:
    """The search, and the signatures it finds, with what may be done to them."""
    letter = letter_for_moderator(request, slug)
    form = SearchForm(request.GET or None, letter=letter)
    context: dict[str, object] = {"letter": letter, "form": form}
    if not form.is_bound:
        return render(request, "moderation/signatures.html", context)
    if not form.is_valid():
        return render(request, "moderation/signatures.html", context, status=400)
    signatures = form.signatures()
    page = Paginator(signatures.defer("email", "contact_email"), PAGE).get_page(
        request.GET.get("page")
    )
    revealed = names_revealed(letter)
    context.update(
        page=page,
        rows=[_row(letter, signature, revealed) for signature in page],
        query=urlencode(form.query),
        invalidate=invalidation_preview(signatures, state=State.INVALIDATED),
        hold=invalidation_preview(signatures, state=State.HELD),
    )
    return render(request, "moderation/signatures.html", context)


def _row(letter: Letter, signature: Signature, revealed: bool) -> dict[str, object]:
    signature.letter = letter  # read without a join, as the presenter's other callers do
    return {
        "signature": signature,
        # The one presenter decides the name: a hidden name stays hidden, and before the
        # reveal threshold none is shown, as on the public page.
        "name": signatory(signature, Audience.PUBLIC).name if revealed else "",
        "subnet": subnet_label(signature.subnet_hash),
        "codes": [code for code in signature.suspect.split(",") if code],
    }


@login_required
@never_cache
def letter_moderation_batch(request: OrganiserRequest, slug: str) -> HttpResponse:
    """GET: the preview of a batch, with its exact numbers. POST: the batch, made only
    if the numbers are still the preview's."""
    letter = letter_for_moderator(request, slug)
    form = BatchForm(request.POST if request.method == "POST" else request.GET, letter=letter)
    context: dict[str, object] = {"letter": letter, "form": form}
    if not form.is_valid():
        return render(request, "moderation/preview.html", context, status=400)
    state = State(form.cleaned_data["move"])
    signatures = form.signatures()
    status = 200
    if request.method == "POST":
        try:
            invalidation = invalidation_make(
                letter=letter,
                signatures=signatures,
                state=state,
                preview=_confirmed(form),
                query=form.query,
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
            status = 409 if isinstance(error, Changed) else 400
        else:
            messages.success(request, _done(invalidation))
            return redirect("moderation_batch", slug=letter.slug, pk=invalidation.pk)
    preview = invalidation_preview(signatures, state=state)
    context.update(
        state=state,
        preview=preview,
        query=urlencode(form.query),
        confirm={**form.query, "move": state.value, **_numbers(preview)},
    )
    return render(request, "moderation/preview.html", context, status=status)


def _confirmed(form: BatchForm) -> Preview:
    """The numbers the moderator was shown and confirmed."""
    data = form.cleaned_data
    return Preview(data.get("counted") or 0, data.get("held") or 0, data.get("last_id") or 0)


def _numbers(preview: Preview) -> dict[str, int]:
    return {"last_id": preview.last_id, "counted": preview.counted, "held": preview.held}


def _done(invalidation: Invalidation) -> str:
    numbers = {
        "count": f"{invalidation.signatures:,}",
        "off_count": f"{invalidation.off_count:,}",
    }
    if invalidation.state == State.HELD:
        done = ngettext(
            "%(count)s signature is held and off the count.",
            "%(count)s signatures are held and off the count.",
            invalidation.signatures,
        )
    else:
        done = ngettext(
            "%(count)s signature is invalidated; %(off_count)s of them came off the count.",
            "%(count)s signatures are invalidated; %(off_count)s of them came off the count.",
            invalidation.signatures,
        )
    return done % numbers


@login_required
@never_cache
def moderation_batch(request: OrganiserRequest, slug: str, pk: int) -> HttpResponse:
    letter = letter_for_moderator(request, slug)
    invalidation = get_object_or_404(
        Invalidation.objects.select_related("created_by", "undone_by"), letter=letter, pk=pk
    )
    context = {
        "letter": letter,
        "batch": invalidation,
        "query": urlencode(invalidation.query),
        "search": sorted(invalidation.query.items()),
    }
    return render(request, "moderation/batch.html", context)


@login_required
@require_POST
def moderation_batch_undo(request: OrganiserRequest, slug: str, pk: int) -> HttpResponse:
    letter = letter_for_moderator(request, slug)
    invalidation = get_object_or_404(Invalidation, letter=letter, pk=pk)
    try:
        undone = invalidation_undo(
            invalidation_id=invalidation.pk, by=request.user, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "Undone: %(restored)s of its %(count)s signature is back as it was; any that "
                "someone changed since were left as they are.",
                "Undone: %(restored)s of its %(count)s signatures are back as they were; any "
                "that someone changed since were left as they are.",
                undone.signatures,
            )
            % {"restored": f"{undone.restored:,}", "count": f"{undone.signatures:,}"},
        )
    return redirect("moderation_batch", slug=letter.slug, pk=invalidation.pk)


@login_required
@require_POST
def moderation_signature(request: OrganiserRequest, slug: str, pk: int) -> HttpResponse:
    """Hold, clear or invalidate one signature, then back to the search it was found in."""
    letter = letter_for_moderator(request, slug)
    form = SingleForm(request.POST)
    back = reverse("letter_moderation_signatures", kwargs={"slug": letter.slug})
    back += "?" + QueryDict(form.data.get("query", "")).urlencode()
    if not form.is_valid():
        messages.error(request, _("Choose hold, clear or invalidate."))
        return redirect(back)
    try:
        signature = signature_moderate(
            letter=letter,
            signature_id=pk,
            change=form.cleaned_data["change"],
            by=request.user,
            request=request,
        )
    except ValidationError as error:
        messages.error(request, _refused(pk, error))
    else:
        messages.success(
            request,
            _("Signature %(number)s is %(state)s.")
            % {"number": pk, "state": signature.get_state_display().lower()},
        )
    return redirect(back)


def _refused(signature_id: int, error: ValidationError) -> str:
    return _("Signature %(number)s: %(problem)s") % {
        "number": signature_id,
        "problem": " ".join(error.messages),
    }


@login_required
@never_cache
def platform_moderation(request: OrganiserRequest) -> HttpResponse:
    """For staff: every letter with an alert in the last days, the latest alert first."""
    require_staff(request)
    alerts = _recent(FraudAlert.objects.select_related("letter", "letter__organisation"))
    letters: dict[int, tuple[Letter, list[FraudAlert]]] = {}
    for alert in alerts:
        letters.setdefault(alert.letter_id, (alert.letter, []))[1].append(alert)
    return render(request, "moderation/platform.html", {"letters": list(letters.values())})


def _recent(alerts: QuerySet[FraudAlert]) -> list[FraudAlert]:
    since = timezone.now() - ALERTS_SHOWN
    return list(alerts.filter(hour__gte=since).order_by("-hour", "-signatures", "pk"))


# The comment queue's tabs, the first shown by default.
COMMENT_TABS = (CommentState.WAITING, CommentState.SHOWN, CommentState.HIDDEN)
# What a moderator may do to a comment, and what it is then.
COMMENT_WRITES = {
    "show": (comment_show, gettext_lazy("The comment of signature %(number)s is shown.")),
    "hide": (comment_hide, gettext_lazy("The comment of signature %(number)s is hidden.")),
}


@login_required
@never_cache
def letter_comments(request: OrganiserRequest, slug: str) -> HttpResponse:
    """Signers' comments waiting for approval (oldest first), shown or hidden (newest
    first), each beside its signer's name as the public sees it, with what may be done."""
    letter = letter_for_moderator(request, slug)
    state = _comment_tab(request.GET.get("state", ""))
    comments = _comments(letter, state).order_by("pk" if state == CommentState.WAITING else "-pk")
    page = Paginator(comments.defer("email", "contact_email"), PAGE).get_page(
        request.GET.get("page")
    )
    revealed = names_revealed(letter)
    context = {
        "letter": letter,
        "state": state,
        "tabs": [(tab, tab.label, _comments(letter, tab).count()) for tab in COMMENT_TABS],
        "page": page,
        "rows": [_comment_row(letter, signature, revealed) for signature in page],
    }
    return render(request, "moderation/comments.html", context)


def _comments(letter: Letter, state: CommentState) -> SignatureQuerySet:
    return Signature.objects.comments(state).filter(letter=letter)


def _comment_tab(value: str) -> CommentState:
    return CommentState(value) if value in COMMENT_TABS else CommentState.WAITING


def _comment_row(letter: Letter, signature: Signature, revealed: bool) -> dict[str, object]:
    signature.letter = letter
    return {
        "signature": signature,
        # As on the public page: a hidden name stays hidden beside its comment, and before
        # the reveal threshold no name shows at all.
        "name": signatory(signature, Audience.PUBLIC).name if revealed else "",
        "comment": comment_text(signature),
        "anonymous": signature.display == Display.ANONYMOUS,
    }


@login_required
@require_POST
def letter_comment(request: OrganiserRequest, slug: str, pk: int) -> HttpResponse:
    """Approve, hide or show one comment, then back to the tab it was on."""
    letter = letter_for_moderator(request, slug)
    signature = get_object_or_404(
        Signature.objects.defer("email", "contact_email"), letter=letter, pk=pk
    )
    signature.letter = letter
    tab = _comment_tab(request.POST.get("state", ""))
    back = reverse("letter_comments", kwargs={"slug": letter.slug}) + f"?state={tab.value}"
    change = COMMENT_WRITES.get(request.POST.get("change", ""))
    if change is None:
        messages.error(request, _("Choose to show or to hide the comment."))
        return redirect(back)
    write, done = change
    try:
        write(signature=signature, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, _refused(pk, error))
    else:
        messages.success(request, done % {"number": pk})
    return redirect(back)
