"""The platform moderators' review of letters (docs/moderation.md): the queue of letters in
review, reported letters and appeals; a letter read as it would appear, with the decisions
on it; the public's report form; and the organisers' appeal against a takedown.

The decisions themselves are moderation/review.py; these pages only ask for them.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from undersigned.letters.access import letter_for_member, public_letter
from undersigned.letters.models import Letter, Status
from undersigned.lib.client_ip import client_ip
from undersigned.lib.network import address_hash
from undersigned.lib.origin import is_same_origin
from undersigned.lib.rate_limit import RateLimit
from undersigned.moderation import review
from undersigned.moderation.access import require_staff
from undersigned.moderation.forms import AppealForm, RejectForm, ReportForm, TakedownForm
from undersigned.moderation.models import Appeal, ReportState
from undersigned.organisations.access import Action, OrganiserRequest
from undersigned.signing.views import refuse

from .letter_page import letter_page_context

# How many of each kind the queue lists, oldest first.
QUEUE_SHOWN = 50
# What a moderator may decide on a letter's review page, each a button's value.
DECISIONS = ("approve", "reject", "dismiss", "take_down", "uphold", "refuse")


@login_required
@never_cache
def review_queue(request: OrganiserRequest) -> HttpResponse:
    """Letters waiting for a platform moderator: in review, reported, appealed; oldest first."""
    require_staff(request)
    open_reports = Q(reports__state=ReportState.OPEN)
    sections = {
        "in_review": Letter.objects.filter(status=Status.IN_REVIEW)
        .select_related("organisation")
        .order_by("created_at", "pk"),
        "reported": Letter.objects.filter(open_reports)
        .select_related("organisation")
        .annotate(
            open_reports=Count("reports", filter=open_reports),
            first_report=Min("reports__created_at", filter=open_reports),
        )
        .order_by("first_report", "pk"),
        "appeals": Appeal.objects.filter(decided_at__isnull=True)
        .select_related("letter__organisation")
        .order_by("created_at", "pk"),
    }
    # The oldest of each, as many as a moderator works through at a sitting, and how many
    # wait in all.
    context: dict[str, object] = {}
    for name, waiting in sections.items():
        context[name] = list(waiting[:QUEUE_SHOWN])
        context[f"{name}_count"] = waiting.count()
    context["shown"] = QUEUE_SHOWN
    return render(request, "moderation/review_queue.html", context)


@login_required
@never_cache
def review_letter(request: OrganiserRequest, slug: str) -> HttpResponse:
    """A letter as it would appear, its open reports and waiting appeal, and the decisions
    a moderator may take on it now."""
    require_staff(request)
    letter = get_object_or_404(Letter.objects.select_related("organisation"), slug=slug)
    reject_form = RejectForm(prefix="reject")
    takedown_form = TakedownForm(prefix="takedown")
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        reject_form = RejectForm(request.POST if decision == "reject" else None, prefix="reject")
        takedown_form = TakedownForm(
            request.POST if decision == "take_down" else None, prefix="takedown"
        )
        done = _decide(request, letter, decision, reject_form, takedown_form)
        if done is not None:
            messages.success(request, done)
            return redirect("review_queue")
    reports = letter.reports.order_by("-created_at")
    context = {
        **letter_page_context(letter),
        "reject_form": reject_form,
        "takedown_form": takedown_form,
        "open_reports": [report for report in reports if report.state == ReportState.OPEN],
        "past_reports": [report for report in reports if report.state != ReportState.OPEN][:20],
        "appeal": letter.appeals.filter(decided_at__isnull=True).first(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "moderation/review_letter.html", context, status=status)


def _decide(
    request: OrganiserRequest,
    letter: Letter,
    decision: str,
    reject_form: RejectForm,
    takedown_form: TakedownForm,
) -> str | None:
    """Take the decision; what to tell the moderator, or None (with a message) if it could
    not be taken."""
    by = request.user
    try:
        if decision == "approve":
            review.review_approve(letter=letter, by=by, request=request)
            return _("“%(title)s” is approved and open for signatures.") % {"title": letter.title}
        if decision == "reject" and reject_form.is_valid():
            note = reject_form.cleaned_data["note"]
            review.review_reject(letter=letter, by=by, note=note, request=request)
            return _("“%(title)s” is sent back to its organisers.") % {"title": letter.title}
        if decision == "dismiss":
            dismissed = review.reports_dismiss(letter=letter, by=by, request=request)
            return ngettext(
                "%(count)s report dismissed; the letter stays up.",
                "%(count)s reports dismissed; the letter stays up.",
                dismissed,
            ) % {"count": dismissed}
        if decision == "take_down" and takedown_form.is_valid():
            reason = takedown_form.cleaned_data["reason"]
            review.takedown(letter=letter, by=by, reason=reason, request=request)
            return _("“%(title)s” is taken down.") % {"title": letter.title}
        if decision in ("uphold", "refuse"):
            appeal = letter.appeals.filter(decided_at__isnull=True).first()
            if appeal is None:
                raise ValidationError(_("There is no appeal waiting on this letter."))
            upheld = decision == "uphold"
            review.appeal_decide(appeal=appeal, by=by, upheld=upheld, request=request)
            return (
                _("The appeal is upheld: the letter is back up.")
                if upheld
                else _("The appeal is refused: the letter stays down.")
            )
        if decision not in DECISIONS:
            messages.error(request, _("Choose a decision."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return None


@csrf_exempt  # public pages carry no per-visitor token; see is_same_origin
@never_cache
def letter_report(request: HttpRequest, slug: str) -> HttpResponse:
    """Anyone may report a public letter, with no account; a few times an hour at most."""
    letter = public_letter(slug)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not is_same_origin(request):
            return refuse(request, _("This form must be sent from our own page."), 403)
        limit = RateLimit.parse("report", settings.REPORT_RATE_LIMIT)
        if not limit.hit(address_hash(client_ip(request))):
            response = refuse(
                request, _("Too many reports from your network. Try again later."), 429
            )
            response["Retry-After"] = str(limit.window)
            return response
        if form.is_valid():
            try:
                review.report_make(
                    letter=letter,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                context = {"letter": letter, "reported": True}
                return render(request, "moderation/report.html", context)
    status = 400 if form.is_bound else 200
    return render(
        request, "moderation/report.html", {"letter": letter, "form": form}, status=status
    )


@login_required
@require_POST
def letter_appeal(request: OrganiserRequest, slug: str) -> HttpResponse:
    """The organisers' one appeal against their letter's takedown."""
    letter, _role = letter_for_member(request, slug, Action.EDIT)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            review.appeal_make(
                letter=letter, by=request.user, text=form.cleaned_data["text"], request=request
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your appeal is sent to the platform's moderators."))
    else:
        for problem in form.errors.get("text", []):
            messages.error(request, _("Appeal not sent: %(problem)s") % {"problem": problem})
    return redirect("dashboard")
