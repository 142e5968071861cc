from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from .access import Action, OrganiserRequest, role_or_404
from .forms import OrganisationForm
from .memberships import organisation_create
from .models import Organisation


@login_required
@never_cache
def organisation_new(request: OrganiserRequest) -> HttpResponse:
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        organisation = organisation_create(
            name=form.cleaned_data["name"],
            contact_email=form.cleaned_data["contact_email"],
            owner=request.user,
        )
        messages.success(request, f"{organisation.name} is ready. Write its first letter.")
        return redirect("dashboard")
    return render(request, "organisations/organisation_form.html", {"form": form})


@login_required
@never_cache
def organisation_settings(request: OrganiserRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation, Action.MANAGE)
    form = OrganisationForm(
        request.POST if request.method == "POST" else None, instance=organisation
    )
    if form.is_valid():
        form.save()
        messages.success(request, "Saved.")
        return redirect("dashboard")
    context = {"form": form, "organisation": organisation}
    return render(request, "organisations/organisation_form.html", context)
