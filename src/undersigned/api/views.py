"""The organisation's API tokens page: its owners create, read and revoke tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from undersigned.organisations.access import Action, OrganiserRequest, role_or_404
from undersigned.organisations.models import Organisation

from .forms import TokenForm
from .models import ApiToken
from .tokens import token_create, token_revoke


@login_required
@never_cache
def organisation_tokens(request: OrganiserRequest, slug: str) -> HttpResponse:
    """The tokens, and a form for a new one; a new token's secret is shown on the page
    that answers the form, once, and is never kept."""
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation, Action.MANAGE)
    form = TokenForm(request.POST if request.method == "POST" else None)
    # No token yet: the empty string is no password.
    secret = ""  # nosec B105
    status = 200
    if form.is_valid():
        try:
            token, secret = token_create(
                organisation=organisation,
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as refused:
            form.add_error(None, " ".join(getattr(refused, "messages", [str(refused)])))
        else:
            form = TokenForm()
            messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
    if form.errors:
        status = 400
    context = {
        "organisation": organisation,
        "form": form,
        "secret": secret,
        "tokens": ApiToken.objects.filter(organisation=organisation).select_related("created_by"),
    }
    return render(request, "api/tokens.html", context, status=status)


@login_required
@require_POST
def token_revoke_view(request: OrganiserRequest, slug: str, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation, Action.MANAGE)
    token = get_object_or_404(ApiToken, pk=pk, organisation=organisation)
    if token_revoke(token=token, user=request.user, request=request):
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("organisation_tokens", slug=organisation.slug)
