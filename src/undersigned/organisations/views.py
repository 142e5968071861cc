from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Organisation


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    organisations = Organisation.objects.for_member(request.user).prefetch_related("letters")
    return render(request, "organisations/dashboard.html", {"organisations": organisations})
