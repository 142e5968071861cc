from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from undersigned.organisations.access import Action, OrganiserRequest, role_or_404
from undersigned.organisations.models import Membership, Organisation

from .preferences import digest_choose


@login_required
@never_cache
@require_POST
def organisation_digest(request: OrganiserRequest, slug: str) -> HttpResponse:
    """Turn the signed-in member's own daily digest on ("on=1") or off: the form says
    which, so a second press of the same button changes nothing."""
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation, Action.VIEW)
    membership = Membership.objects.get(organisation=organisation, user=request.user)
    on = request.POST.get("on") == "1"
    digest_choose(membership=membership, on=on)
    names = {"organisation": organisation.name}
    if on:
        messages.success(request, _("You will get a daily digest of %(organisation)s.") % names)
    else:
        messages.success(request, _("No more daily digests of %(organisation)s.") % names)
    return redirect("dashboard")
