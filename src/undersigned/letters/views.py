"""The organiser's letter pages: write, edit, publish and close a letter (the preview,
which shows the letter page, is in pages)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from undersigned.audit.log import audit_record
from undersigned.organisations.access import Action, OrganiserRequest, organisation_for_editor

from . import publishing
from .access import letter_for_member
from .editing import letter_save
from .forms import LetterForm, LetterTranslationForm, TargetFormSet
from .models import Letter, LetterTranslation, Status


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
            messages.success(request, _("Draft saved. This is how it will look."))
            return redirect("letter_preview", slug=letter.slug)
        if version is not None:
            messages.success(
                request,
                _(
                    "Saved. The page now shows version %(number)s of the text and says "
                    "when it changed; earlier versions stay readable."
                )
                % {"number": version.number},
            )
        else:
            messages.success(request, _("Saved."))
        return redirect("letter_edit", slug=letter.slug)
    context = {
        "letter": letter,
        "saved_title": saved_title,
        "form": form,
        "targets": targets,
        "translation_languages": _translation_languages(letter),
    }
    return render(request, "letters/editor/letter_form.html", context)


def _translation_languages(letter: Letter) -> list[tuple[str, str, bool]]:
    """Each other language of the site the letter may be translated into: (code, name,
    whether a translation is written)."""
    if letter.pk is None:
        return []
    written = set(letter.translations.values_list("language", flat=True))
    return [
        (code, name, code in written)
        for code, name in settings.LANGUAGES
        if code != letter.language
    ]


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
            messages.error(request, _("Not published: %(reason)s") % {"reason": message})
        return redirect("letter_edit", slug=letter.slug)
    if in_review:
        messages.success(
            request,
            _(
                "“%(title)s” is sent for review: it opens for signatures once the "
                "platform's moderators approve it."
            )
            % {"title": letter.title},
        )
        return redirect("dashboard")
    messages.success(
        request, _("“%(title)s” is published and open for signatures.") % {"title": letter.title}
    )
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
    messages.success(
        request,
        _("“%(title)s” is closed: its page stays up, signing stopped.") % {"title": letter.title},
    )
    return redirect("dashboard")


@login_required
@never_cache
def letter_translation(request: OrganiserRequest, slug: str, language: str) -> HttpResponse:
    """Write, change or remove the letter's text in one other language of the site."""
    letter = _editable_letter(request, slug)
    names = dict(settings.LANGUAGES)
    if language not in names or language == letter.language:
        raise Http404("No such language for this letter.")
    kept = letter.translations.filter(language=language).first()
    translation = kept or LetterTranslation(letter=letter, language=language)
    if request.method == "POST" and "remove" in request.POST:
        if kept is not None:
            with transaction.atomic():
                kept.delete()
                _audit(request, "letter.translation_remove", letter, language=language)
            messages.success(request, _("The translation is removed."))
        return redirect("letter_edit", slug=letter.slug)
    form = LetterTranslationForm(request.POST or None, instance=translation)
    if form.is_valid():
        with transaction.atomic():
            form.save()
            version = publishing.translation_version_record(translation)
            _audit(
                request,
                "letter.translate",
                letter,
                language=language,
                fields=form.changed_data,
                version=version.number if version is not None else None,
            )
        messages.success(request, _("Translation saved."))
        return redirect("letter_translation", slug=letter.slug, language=language)
    context = {
        "letter": letter,
        "form": form,
        "language": language,
        "language_name": names[language],
        "exists": kept is not None,
    }
    return render(request, "letters/editor/translation_form.html", context)


def _audit(request: OrganiserRequest, action: str, letter: Letter, **detail: object) -> None:
    audit_record(
        action=action,
        actor=request.user,
        target=letter,
        organisation_id=letter.organisation_id,
        request=request,
        detail=detail,
    )
