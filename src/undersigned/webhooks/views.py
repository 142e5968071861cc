"""The owners' webhook pages: the endpoints, one endpoint with its secret and its delivery
log, adding, changing and removing one, a new secret, and the test button."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from undersigned.organisations.access import Action, OrganiserRequest, role_or_404
from undersigned.organisations.models import Organisation

from . import endpoints
from .forms import EndpointChangeForm, EndpointForm
from .models import DeliveryState, WebhookEndpoint
from .scheme import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from .sending import ATTEMPTS

LOG_PAGE = 50


def _organisation(request: OrganiserRequest, slug: str) -> Organisation:
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation, Action.MANAGE)
    return organisation


def _endpoint(request: OrganiserRequest, slug: str, endpoint_id: int) -> WebhookEndpoint:
    organisation = _organisation(request, slug)
    return get_object_or_404(WebhookEndpoint, pk=endpoint_id, organisation=organisation)


@login_required
@never_cache
def webhook_list(request: OrganiserRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    context = {
        "organisation": organisation,
        "endpoints": WebhookEndpoint.objects.filter(organisation=organisation),
    }
    return render(request, "webhooks/endpoints.html", context)


@login_required
@never_cache
def webhook_new(request: OrganiserRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    form = EndpointForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            endpoint = endpoints.endpoint_create(
                organisation=organisation,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                events=form.cleaned_data["events"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The endpoint is added. Copy its secret into your tool to check signatures."),
            )
            return redirect("webhook", slug=organisation.slug, endpoint_id=endpoint.pk)
    status = 400 if form.is_bound else 200
    context = {"organisation": organisation, "form": form}
    return render(request, "webhooks/endpoint_form.html", context, status=status)


@login_required
@never_cache
def webhook(request: OrganiserRequest, slug: str, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, slug, endpoint_id)
    log = Paginator(endpoint.deliveries.all(), LOG_PAGE).get_page(request.GET.get("page"))
    context = {
        "organisation": endpoint.organisation,
        "endpoint": endpoint,
        "log": log,
        "waiting": DeliveryState.WAITING,
        "attempts": ATTEMPTS,
        "headers": {"id": ID_HEADER, "timestamp": TIMESTAMP_HEADER, "signature": SIGNATURE_HEADER},
    }
    return render(request, "webhooks/endpoint.html", context)


@login_required
@never_cache
def webhook_edit(request: OrganiserRequest, slug: str, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, slug, endpoint_id)
    initial = {name: getattr(endpoint, name) for name in endpoints.FIELDS}
    form = EndpointChangeForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        try:
            endpoints.endpoint_update(
                endpoint=endpoint,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                events=form.cleaned_data["events"],
                active=form.cleaned_data["active"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("webhook", slug=slug, endpoint_id=endpoint.pk)
    status = 400 if form.is_bound else 200
    context = {"organisation": endpoint.organisation, "endpoint": endpoint, "form": form}
    return render(request, "webhooks/endpoint_form.html", context, status=status)


@login_required
@require_POST
def webhook_delete(request: OrganiserRequest, slug: str, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, slug, endpoint_id)
    endpoints.endpoint_delete(endpoint=endpoint, by=request.user, request=request)
    messages.success(request, _("The endpoint to %(host)s is removed.") % {"host": endpoint.host})
    return redirect("webhooks", slug=slug)


@login_required
@require_POST
def webhook_secret(request: OrganiserRequest, slug: str, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, slug, endpoint_id)
    endpoints.endpoint_secret_renew(endpoint=endpoint, by=request.user, request=request)
    messages.success(
        request,
        _("A new secret is made: what goes out from now on is signed with it. Copy it."),
    )
    return redirect("webhook", slug=slug, endpoint_id=endpoint.pk)


@login_required
@require_POST
def webhook_test(request: OrganiserRequest, slug: str, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, slug, endpoint_id)
    endpoints.endpoint_test(endpoint=endpoint)
    messages.success(request, _("A test is on its way: it shows in the log below once it is sent."))
    return redirect("webhook", slug=slug, endpoint_id=endpoint.pk)
