from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from undersigned.audit.log import audit_record

from .access import Action, OrganiserRequest, role_or_404
from .forms import OrganisationForm, OrganisationSettingsForm
from .memberships import organisation_create
from .models import Organisation


@login_required
@never_cache
def organisation_new(request: OrganiserRequest) -> HttpResponse:
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        with transaction.atomic():
            organisation = organisation_create(
                name=form.cleaned_data["name"],
                contact_email=form.cleaned_data["contact_email"],
                owner=request.user,
            )
            _audit(request, "organisation.create", organisation)
        messages.success(request, f"{organisation.name} is ready. Write its first letter.")
        return redirect("dashboard")
    return render(request, "organisations/organisation_form.html", {"form": form})


@login_required
@never_cache
def organisation_settings(request: OrganiserRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation, Action.MANAGE)
    form = OrganisationSettingsForm(
        request.POST if request.method == "POST" else None,
        instance=organisation,
        user=request.user,
    )
    if form.is_valid():
        with transaction.atomic():
            form.save()
            detail: dict[str, object] = {"fields": form.changed_data}
            if "require_mfa" in form.changed_data:
                # Who turned a second factor on or off for everyone is what a reader looks for.
                detail["require_mfa"] = organisation.require_mfa
            _audit(request, "organisation.settings", organisation, **detail)
        messages.success(request, "Saved.")
        return redirect("dashboard")
    context = {"form": form, "organisation": organisation}
    return render(request, "organisations/organisation_form.html", context)


def _audit(
    request: OrganiserRequest, action: str, organisation: Organisation, **detail: object
) -> None:
    audit_record(
        action=action,
        actor=request.user,
        target=organisation,
        organisation_id=organisation.pk,
        request=request,
        detail=detail,
    )
