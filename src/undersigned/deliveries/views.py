"""Delivering a letter and recording its targets' responses (organisers), and the
delivered PDF anyone may download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from undersigned.audit.log import audit_record
from undersigned.letters.access import letter_for_member, public_letter
from undersigned.letters.models import Letter
from undersigned.lib.caching import cacheable
from undersigned.organisations.access import Action, OrganiserRequest, may, role_or_404
from undersigned.organisations.models import Role

from .delivering import delivery_start, files_current
from .forms import DeliveryForm, ResponseForm
from .models import Delivery, Method, Response
from .responses import response_record, response_update_draft


@login_required
@never_cache
def letter_deliveries(request: OrganiserRequest, slug: str) -> HttpResponse:
    """The letter's deliveries and responses, and the forms to add one (to those allowed)."""
    letter, role = letter_for_member(request, slug)
    form = DeliveryForm(letter=letter) if may(role, Action.DELIVER) and letter.is_public else None
    return _deliveries_page(request, letter, role, form)


def _deliveries_page(
    request: OrganiserRequest,
    letter: Letter,
    role: Role,
    form: DeliveryForm | None,
    status: int = 200,
) -> HttpResponse:
    can_respond = may(role, Action.RECORD_RESPONSE)
    context = {
        "letter": letter,
        "deliveries": letter.deliveries.prefetch_related("recipients__target"),
        "responses": letter.responses.select_related("target"),
        "form": form,
        "response_form": ResponseForm(letter=letter) if can_respond else None,
        "can_deliver": may(role, Action.DELIVER),
        "can_export": may(role, Action.EXPORT),
        "can_respond": can_respond,
    }
    return render(request, "deliveries/manage.html", context, status=status)


@login_required
@require_POST
def delivery_new(request: OrganiserRequest, slug: str) -> HttpResponse:
    letter, role = letter_for_member(request, slug, Action.DELIVER)
    form = DeliveryForm(request.POST, letter=letter)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                delivery = delivery_start(
                    letter=letter,
                    method=Method(data["method"]),
                    targets=list(data["targets"]),
                    closes_signing=data.get("closes_signing", False),
                    how=data["how"],
                    note=data["note"],
                    delivered_on=data["delivered_on"],
                    by=request.user,
                )
                _audit(
                    request,
                    "delivery.send",
                    delivery,
                    letter,
                    number=delivery.number,
                    method=delivery.method,
                    targets=[target.pk for target in data["targets"]],
                    closes_signing=delivery.closes_signing,
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if delivery.method == Method.EMAIL:
                recorded = _(
                    "Delivery %(number)s is recorded. Its PDF is being built and emailed to "
                    "the targets."
                )
            else:
                recorded = _("Delivery %(number)s is recorded. Its PDF is being built.")
            messages.success(request, recorded % {"number": delivery.number})
            return redirect("letter_deliveries", slug=letter.slug)
    return _deliveries_page(request, letter, role, form, status=400)


@login_required
@never_cache
def response_new(request: OrganiserRequest, slug: str) -> HttpResponse:
    letter, _role = letter_for_member(request, slug, Action.RECORD_RESPONSE)
    form = ResponseForm(request.POST if request.method == "POST" else None, letter=letter)
    if form.is_valid():
        with transaction.atomic():
            response = response_record(
                letter=letter, response=form.save(commit=False), by=request.user
            )
            _audit(request, "response.record", response, letter, target=response.target_id)
        messages.success(
            request,
            _(
                "The response is on the letter's page. Tell the signers who asked for news "
                "with the update below."
            ),
        )
        return redirect("response_update", pk=response.pk)
    return render(request, "deliveries/response_form.html", {"letter": letter, "form": form})


@login_required
@never_cache
def response_update(request: OrganiserRequest, pk: int) -> HttpResponse:
    """Offer, then draft, an update filled in from a response."""
    response = get_object_or_404(
        Response.objects.select_related("letter", "letter__organisation", "target"), pk=pk
    )
    role_or_404(request.user, response.letter.organisation, Action.SEND_UPDATE)
    if request.method == "POST":
        update = response_update_draft(response, by=request.user)
        return redirect("update_edit", pk=update.pk)
    return render(request, "deliveries/response_update.html", {"response": response})


def delivery_pdf(request: HttpRequest, slug: str, number: int) -> HttpResponseBase:
    """The delivered PDF: it holds only what the letter's page shows."""
    letter = public_letter(slug)
    delivery = get_object_or_404(Delivery.objects.delivered(), letter=letter, number=number)
    if not files_current(delivery):
        return _being_rebuilt(request, letter)
    response = FileResponse(
        delivery.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{letter.slug}-delivery-{number}.pdf",
    )
    # Short, so a copy cached by us or a CDN soon follows a withdrawal.
    return cacheable(response, seconds=300)


def delivery_manifest(request: HttpRequest, slug: str, number: int) -> HttpResponseBase:
    """The delivery's signed manifest: its counts, its letter text's hash and the log head
    they come from. It never changes once built."""
    letter = public_letter(slug)
    delivery = get_object_or_404(
        Delivery.objects.delivered().exclude(manifest=""), letter=letter, number=number
    )
    response = HttpResponse(delivery.manifest, content_type="application/json")
    return cacheable(response, seconds=300)


def _being_rebuilt(request: HttpRequest, letter: Letter) -> HttpResponse:
    response = render(request, "deliveries/being_rebuilt.html", {"letter": letter}, status=503)
    response["Retry-After"] = "60"
    return response


@login_required
def delivery_csv(request: OrganiserRequest, pk: int) -> HttpResponseBase:
    delivery = get_object_or_404(Delivery.objects.select_related("letter__organisation"), pk=pk)
    role_or_404(request.user, delivery.letter.organisation, Action.EXPORT)
    if not files_current(delivery):
        return _being_rebuilt(request, delivery.letter)
    return FileResponse(
        delivery.csv.open("rb"),
        content_type="text/csv; charset=utf-8",
        as_attachment=True,
        filename=f"{delivery.letter.slug}-delivery-{delivery.number}.csv",
    )


def _audit(
    request: OrganiserRequest,
    action: str,
    target: Delivery | Response,
    letter: Letter,
    /,
    **detail: object,
) -> None:
    audit_record(
        action=action,
        actor=request.user,
        target=target,
        organisation_id=letter.organisation_id,
        request=request,
        detail={"letter": letter.slug, **detail},
    )
