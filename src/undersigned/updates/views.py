"""The updates of a letter: written, previewed, tested and sent by its editors; public on
the letter's page and feed; and the link in each one that unsubscribes its reader."""

from dataclasses import asdict
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from undersigned.audit.log import audit_record
from undersigned.letters.access import letter_for_member, public_letter
from undersigned.letters.models import Letter
from undersigned.lib.caching import cacheable
from undersigned.lib.content_policy import mail_document
from undersigned.lib.email_address import email_key
from undersigned.organisations.access import Action, OrganiserRequest, may, role_or_404
from undersigned.organisations.models import Organisation, Role
from undersigned.signing.tokens import unsubscription_from_token
from undersigned.signing.unsubscriptions import is_unsubscribed, resubscribe, unsubscribe

from .emails import update_message
from .forms import UpdateForm
from .models import Update
from .publishing import AlreadySent, update_send, update_test_send
from .sending import update_progress, update_reach


def _member_update(
    request: OrganiserRequest, pk: int, action: Action = Action.VIEW
) -> tuple[Update, Role]:
    queryset = Update.objects.select_related("letter", "letter__organisation")
    update = get_object_or_404(queryset, pk=pk)
    return update, role_or_404(request.user, update.letter.organisation, action)


@login_required
@never_cache
def letter_updates_manage(request: OrganiserRequest, slug: str) -> HttpResponse:
    letter, role = letter_for_member(request, slug)
    updates = [(update, update_progress(update)) for update in letter.updates.all()]
    context = {
        "letter": letter,
        "updates": updates,
        "can_send": may(role, Action.SEND_UPDATE),
    }
    return render(request, "updates/manage.html", context)


@login_required
@never_cache
def update_new(request: OrganiserRequest, slug: str) -> HttpResponse:
    letter, _role = letter_for_member(request, slug, Action.SEND_UPDATE)
    return _editor(request, Update(letter=letter, created_by=request.user))


@login_required
@never_cache
def update_edit(request: OrganiserRequest, pk: int) -> HttpResponse:
    update, _role = _member_update(request, pk, Action.SEND_UPDATE)
    if not update.is_draft:
        messages.error(request, _("This update was sent: it can no longer change."))
        return redirect("update_organiser", pk=update.pk)
    return _editor(request, update)


def _editor(request: OrganiserRequest, update: Update) -> HttpResponse:
    form = UpdateForm(request.POST if request.method == "POST" else None, instance=update)
    if form.is_valid():
        form.save()
        messages.success(request, _("Saved. This is how signers will receive it."))
        return redirect("update_organiser", pk=update.pk)
    return render(request, "updates/edit.html", {"form": form, "letter": update.letter})


@login_required
@never_cache
def update_organiser(request: OrganiserRequest, pk: int) -> HttpResponse:
    """The update as signers receive it (HTML and plain text), its progress once sent."""
    update, role = _member_update(request, pk)
    sample = update_message(
        update, to=request.user.email, address_key=email_key(request.user.email)
    )
    context = {
        "update": update,
        "letter": update.letter,
        "sample": sample,
        "progress": update_progress(update),
        "can_send": may(role, Action.SEND_UPDATE),
        "reach": update_reach(update) if update.is_draft else None,
    }
    return render(request, "updates/update_organiser.html", context)


@login_required
@never_cache
@mail_document
def update_html(request: OrganiserRequest, pk: int) -> HttpResponse:
    """The update's HTML as a signer receives it, framed by its organiser page."""
    update, _role = _member_update(request, pk)
    sample = update_message(
        update, to=request.user.email, address_key=email_key(request.user.email)
    )
    return HttpResponse(sample.alternatives[0][0] if sample.alternatives else "")


@login_required
@never_cache
def update_progress_json(request: OrganiserRequest, pk: int) -> JsonResponse:
    update, _role = _member_update(request, pk)
    return JsonResponse({"status": update.status, **asdict(update_progress(update))})


@login_required
@require_POST
def update_test(request: OrganiserRequest, pk: int) -> HttpResponse:
    update, _role = _member_update(request, pk, Action.SEND_UPDATE)
    update_test_send(update, request.user)
    messages.success(
        request, _("A test is on its way to %(email)s.") % {"email": request.user.email}
    )
    return redirect("update_organiser", pk=update.pk)


@login_required
@require_POST
def update_send_view(request: OrganiserRequest, pk: int) -> HttpResponse:
    update, _role = _member_update(request, pk, Action.SEND_UPDATE)
    try:
        with transaction.atomic():
            update_send(update)
            audit_record(
                action="update.send",
                actor=request.user,
                target=update,
                organisation_id=update.letter.organisation_id,
                request=request,
                detail={"letter": update.letter.slug, "signers_only": update.signers_only},
            )
    except AlreadySent as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Sending. The numbers below follow it."))
    return redirect("update_organiser", pk=update.pk)


# Public pages.


def letter_updates(request: HttpRequest, slug: str) -> HttpResponse:
    letter = public_letter(slug)
    context = {"letter": letter, "updates": letter.updates.published()}
    return cacheable(render(request, "updates/letter_updates.html", context), seconds=60)


def update_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    letter = public_letter(slug)
    update = get_object_or_404(letter.updates.published(), pk=pk)
    context = {"letter": letter, "update": update}
    return cacheable(render(request, "updates/update.html", context), seconds=60)


class LetterUpdatesFeed(Feed[Update, Letter]):
    """The letter's public updates as an Atom feed."""

    from django.utils.feedgenerator import Atom1Feed as feed_type

    def get_object(self, request: HttpRequest, slug: str) -> Letter:
        return public_letter(slug)

    def title(self, letter: Letter) -> str:
        return _("Updates: %(title)s") % {"title": letter.title}

    def link(self, letter: Letter) -> str:
        return letter.get_absolute_url()

    def subtitle(self, letter: Letter) -> str:
        return _("What %(organisation)s tells the signers of “%(title)s”.") % {
            "organisation": letter.organisation.name,
            "title": letter.title,
        }

    def items(self, letter: Letter) -> list[Update]:
        return list(letter.updates.published().select_related("letter")[:50])

    def item_title(self, item: Update) -> str:
        return item.subject

    def item_description(self, item: Update) -> str:
        return item.body_html

    def item_pubdate(self, item: Update) -> datetime | None:
        return item.sent_at


# Unsubscribing: no login, no cookie, no CSRF token (RFC 8058); a GET only shows the page.


@csrf_exempt
@never_cache
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscription_from_token(token)
    organisation = Organisation.objects.filter(pk=found[0]).first() if found is not None else None
    if found is None or organisation is None:
        return render(request, "updates/unsubscribe_invalid.html", status=404)
    _organisation_id, address_key = found
    if request.method == "POST":
        if request.POST.get("undo"):
            resubscribe(organisation.pk, address_key)
        else:
            unsubscribe(organisation.pk, address_key)
    elif request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    context = {
        "organisation": organisation,
        "unsubscribed": is_unsubscribed(organisation.pk, address_key),
        "done": request.method == "POST",
    }
    return render(request, "updates/unsubscribe.html", context)
