from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from undersigned.letters.models import Letter
from undersigned.letters.views import letter_page_context
from undersigned.lib.origin import is_same_origin
from undersigned.lib.rate_limit import RateLimit

from .eligibility import proof_for
from .forms import ManageLinkForm, SignatureForm
from .models import Signature
from .signatures import (
    manage_link_request,
    signature_confirm,
    signature_create,
    signature_withdraw,
)
from .tokens import signature_id_from_confirmation_token, signature_id_from_manage_token


def _client_ip(request: HttpRequest) -> str:
    """The signer's address; behind a proxy, from the header the operator names as trusted."""
    if settings.CLIENT_IP_HEADER:
        forwarded = request.headers.get(settings.CLIENT_IP_HEADER, "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "signing/refused.html", {"message": message}, status=status)


@csrf_exempt  # public pages carry no per-visitor token; see is_same_origin
@require_POST
@never_cache
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    letter = get_object_or_404(Letter.objects.public().select_related("organisation"), slug=slug)
    if not is_same_origin(request):
        return _refuse(request, _("This form must be sent from our own page."), 403)
    limit = RateLimit.parse("sign", settings.SIGNATURE_RATE_LIMIT)
    if not limit.hit(_client_ip(request)):
        return _refuse(request, _("Too many signatures from your network. Try again later."), 429)
    form = SignatureForm(request.POST, letter=letter)
    if form.is_valid():
        try:
            signature_create(letter=letter, data=form.to_input())
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return redirect("letter_signed", slug=letter.slug)
    context = letter_page_context(letter, form=form)
    return render(request, "letters/letter_detail.html", context, status=400)


def signed(request: HttpRequest, slug: str) -> HttpResponse:
    letter = get_object_or_404(Letter.objects.public(), slug=slug)
    response = render(request, "signing/signed.html", {"letter": letter})
    response["Cache-Control"] = "public, max-age=300"
    return response


def _signature(signature_id: int | None) -> Signature | None:
    """The signature a link in an email stands for, if it is still there."""
    if signature_id is None:
        return None
    return Signature.objects.select_related("letter").filter(pk=signature_id).first()


@csrf_exempt  # the token in the address is the proof; see is_same_origin
@never_cache
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST confirms, since mail scanners prefetch links."""
    signature = _signature(signature_id_from_confirmation_token(token))
    if signature is None:
        return _refuse(request, _("This confirmation link is not valid or has expired."), 404)
    institutions = proof_for(signature.letter, signature.email_domain).institutions
    context = {
        "signature": signature,
        "letter": signature.letter,
        "institutions": institutions if len(institutions) > 1 else (),
    }
    if request.method == "POST":
        if not is_same_origin(request):
            return _refuse(request, _("This form must be sent from our own page."), 403)
        try:
            confirmed = signature_confirm(
                signature_id=signature.pk, institution=request.POST.get("institution", "")
            )
        except ValidationError as error:
            context["errors"] = error.messages
            return render(request, "signing/confirm.html", context, status=400)
        if confirmed is None:
            return _refuse(request, _("This signature was withdrawn."), 404)
        return render(request, "signing/confirmed.html", {"signature": confirmed})
    return render(request, "signing/confirm.html", context)


@csrf_exempt  # the token in the address is the proof; see is_same_origin
@never_cache
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """What we keep about one signature, and the button that withdraws it for good."""
    signature = _signature(signature_id_from_manage_token(token))
    if signature is None:
        message = _("This link is not valid or has expired, or the signature was withdrawn.")
        return _refuse(request, message, 404)
    if request.method == "POST":
        if not is_same_origin(request):
            return _refuse(request, _("This form must be sent from our own page."), 403)
        signature_withdraw(signature_id=signature.pk)
        return render(request, "signing/withdrawn.html", {"letter": signature.letter})
    return render(request, "signing/manage.html", {"signature": signature})


@csrf_exempt  # public pages carry no per-visitor token; see is_same_origin
@never_cache
def manage_link(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask for a link to manage one's signature. The answer never says who signed."""
    letter = get_object_or_404(Letter.objects.public(), slug=slug)
    form = ManageLinkForm(request.POST or None)
    if request.method == "POST":
        if not is_same_origin(request):
            return _refuse(request, _("This form must be sent from our own page."), 403)
        limit = RateLimit.parse("manage", settings.SIGNATURE_RATE_LIMIT)
        if not limit.hit(_client_ip(request)):
            return _refuse(request, _("Too many requests from your network. Try later."), 429)
        if form.is_valid():
            manage_link_request(letter=letter, address=form.cleaned_data["email"])
            return render(request, "signing/manage_link_sent.html", {"letter": letter})
    context = {"letter": letter, "form": form}
    return render(request, "signing/manage_link.html", context, status=400 if form.errors else 200)
