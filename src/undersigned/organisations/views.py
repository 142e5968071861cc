from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .access import OrganiserRequest
from .forms import OrganisationForm
from .memberships import organisation_create


@login_required
@never_cache
def organisation_new(request: OrganiserRequest) -> HttpResponse:
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        organisation = organisation_create(name=form.cleaned_data["name"], owner=request.user)
        messages.success(request, f"{organisation.name} is ready. Write its first letter.")
        return redirect("dashboard")
    return render(request, "organisations/organisation_form.html", {"form": form})
