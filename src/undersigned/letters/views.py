"""The organiser's letter pages: write, edit, publish and close a letter (the preview,
which shows the letter page, is in pages)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from undersigned.audit.log import audit_record
from undersigned.organisations.access import Action, OrganiserRequest, organisation_for_editor

from . import publishing
from .access import letter_for_member
from .editing import letter_save
from .forms import LetterForm, TargetFormSet
from .models import Letter, Status


def _editable_letter(request: OrganiserRequest, slug: str) -> Letter:
    letter, _role = letter_for_member(request, slug, Action.EDIT)
    return letter


@login_required
@never_cache
def letter_new(request: OrganiserRequest, slug: str) -> HttpResponse:
    organisation = organisation_for_editor(request, slug)
    return _editor(request, Letter(organisation=organisation))


@login_required
@never_cache
def letter_edit(request: OrganiserRequest, slug: str) -> HttpResponse:
    return _editor(request, _editable_letter(request, slug))


def _editor(request: OrganiserRequest, letter: Letter) -> HttpResponse:
    is_new = letter.pk is None
    saved_title = letter.title
    data = request.POST if request.method == "POST" else None
    form = LetterForm(data, instance=letter)
    targets = TargetFormSet(data, instance=letter)
    if all([form.is_valid(), targets.is_valid()]):
        with transaction.atomic():
            version = letter_save(letter=letter, targets=targets.kept(), removed=targets.removed())
            _audit(
                request,
                "letter.create" if is_new else "letter.edit",
                letter,
                fields=form.changed_data,
                targets_changed=targets.has_changed(),
                version=version.number if version is not None else None,
            )
        if is_new:
            messages.success(request, "Draft saved. This is how it will look.")
            return redirect("letter_preview", slug=letter.slug)
        if version is not None:
            messages.success(
                request,
                f"Saved. The page now shows version {version.number} of the text and says "
                f"when it changed; earlier versions stay readable.",
            )
        else:
            messages.success(request, "Saved.")
        return redirect("letter_edit", slug=letter.slug)
    context = {"letter": letter, "saved_title": saved_title, "form": form, "targets": targets}
    return render(request, "letters/editor/letter_form.html", context)


@login_required
@require_POST
def letter_publish(request: OrganiserRequest, slug: str) -> HttpResponse:
    letter = _editable_letter(request, slug)
    try:
        with transaction.atomic():
            publishing.letter_submit(letter=letter)
            in_review = letter.status == Status.IN_REVIEW
            _audit(request, "letter.submit" if in_review else "letter.publish", letter)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"Not published: {message}")
        return redirect("letter_edit", slug=letter.slug)
    if in_review:
        messages.success(
            request,
            f"“{letter.title}” is sent for review: it opens for signatures once the "
            f"platform's moderators approve it.",
        )
        return redirect("dashboard")
    messages.success(request, f"“{letter.title}” is published and open for signatures.")
    return redirect("dashboard")


@login_required
@require_POST
def letter_close(request: OrganiserRequest, slug: str) -> HttpResponse:
    letter = _editable_letter(request, slug)
    try:
        with transaction.atomic():
            publishing.letter_close(letter=letter)
            _audit(request, "letter.close", letter)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("letter_edit", slug=letter.slug)
    messages.success(request, f"“{letter.title}” is closed: its page stays up, signing stopped.")
    return redirect("dashboard")


def _audit(request: OrganiserRequest, action: str, letter: Letter, **detail: object) -> None:
    audit_record(
        action=action,
        actor=request.user,
        target=letter,
        organisation_id=letter.organisation_id,
        request=request,
        detail=detail,
    )
