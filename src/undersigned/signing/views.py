import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from undersigned.letters.access import public_letter
from undersigned.letters.models import Letter
from undersigned.lib.caching import cacheable
from undersigned.lib.client_ip import client_ip
from undersigned.lib.email_address import email_key
from undersigned.lib.origin import is_same_origin
from undersigned.lib.rate_limit import RateLimit
from undersigned.lib.share_links import share_links

from .eligibility import proof_for
from .forms import ManageLinkForm
from .models import Signature
from .presentation import signatory
from .privacy import address_erase, personal_data_export, signatures_held_for
from .recipients import Purpose, recipient
from .signatures import manage_link_request, signature_confirm, signature_withdraw
from .tasks import send_data_request
from .tokens import (
    data_request_from_token,
    signature_id_from_confirmation_token,
    signature_id_from_manage_token,
)


def refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "signing/refused.html", {"message": message}, status=status)


def signed(request: HttpRequest, slug: str) -> HttpResponse:
    letter = public_letter(slug)
    context = {"letter": letter, **_share(letter)}
    return cacheable(render(request, "signing/signed.html", context), seconds=300)


def _share(letter: Letter) -> dict[str, object]:
    """What signing/_share.html needs: the letter's full address, and links to share it."""
    url = settings.BASE_URL + letter.get_absolute_url()
    links = share_links(url=url, title=letter.title, hashtag=letter.hashtag)
    return {"share_url": url, "share_links": links}


@csrf_exempt  # the token in the address is the proof; see is_same_origin
@never_cache
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST confirms, since mail scanners prefetch links."""
    signature = Signature.objects.loaded(signature_id_from_confirmation_token(token))
    if signature is None:
        return refuse(request, _("This confirmation link is not valid or has expired."), 404)
    institutions = proof_for(signature.letter, signature.email_domain).institutions
    context = {
        "signature": signature,
        "shown": signatory(signature),
        "letter": signature.letter,
        "institutions": institutions if len(institutions) > 1 else (),
    }
    if request.method == "POST":
        if not is_same_origin(request):
            return refuse(request, _("This form must be sent from our own page."), 403)
        try:
            confirmed = signature_confirm(
                signature_id=signature.pk, institution=request.POST.get("institution", "")
            )
        except ValidationError as error:
            context["errors"] = error.messages
            return render(request, "signing/confirm.html", context, status=400)
        if confirmed is None:
            return refuse(request, _("This signature was withdrawn."), 404)
        return render(request, "signing/confirmed.html", _confirmed_context(confirmed))
    return render(request, "signing/confirm.html", context)


@csrf_exempt  # the token in the address is the proof; see is_same_origin
@never_cache
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """What we keep about one signature, and the button that withdraws it for good."""
    signature = Signature.objects.loaded(signature_id_from_manage_token(token))
    if signature is None:
        message = _("This link is not valid or has expired, or the signature was withdrawn.")
        return refuse(request, message, 404)
    if request.method == "POST":
        if not is_same_origin(request):
            return refuse(request, _("This form must be sent from our own page."), 403)
        signature_withdraw(signature_id=signature.pk)
        return render(request, "signing/withdrawn.html", {"letter": signature.letter})
    context = {"signature": signature, "shown": signatory(signature)}
    return render(request, "signing/manage.html", context)


@csrf_exempt  # public pages carry no per-visitor token; see is_same_origin
@never_cache
def manage_link(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask for a link to manage one's signature. The answer never says who signed."""
    letter = public_letter(slug)
    form = ManageLinkForm(request.POST or None)
    if request.method == "POST":
        if not is_same_origin(request):
            return refuse(request, _("This form must be sent from our own page."), 403)
        limit = RateLimit.parse("manage", settings.SIGNATURE_RATE_LIMIT)
        if not limit.hit(client_ip(request)):
            return refuse(request, _("Too many requests from your network. Try later."), 429)
        if form.is_valid():
            manage_link_request(letter=letter, address=form.cleaned_data["email"])
            return render(request, "signing/manage_link_sent.html", {"letter": letter})
    context = {"letter": letter, "form": form}
    return render(request, "signing/manage_link.html", context, status=400 if form.errors else 200)


def _confirmed_context(signature: Signature) -> dict[str, object]:
    return {
        "signature": signature,
        "shown": signatory(signature),
        "manage_link_goes_home": bool(recipient(signature, Purpose.CONFIRMED_NOTE)),
        **_share(signature.letter),
    }


@csrf_exempt  # public pages carry no per-visitor token; see is_same_origin
@never_cache
def data_request(request: HttpRequest) -> HttpResponse:
    """Ask for a link to everything kept about an address. The answer is the same whether
    or not the address signed anything; the worker decides whether to write."""
    form = ManageLinkForm(request.POST or None)
    if request.method == "POST":
        if not is_same_origin(request):
            return refuse(request, _("This form must be sent from our own page."), 403)
        per_client = RateLimit.parse("data-request-client", settings.DATA_REQUESTS_PER_CLIENT)
        if not per_client.hit(client_ip(request)):
            return refuse(request, _("Too many requests from your network. Try later."), 429)
        if form.is_valid():
            address = form.cleaned_data["email"]
            per_address = RateLimit.parse("data-request", settings.DATA_REQUESTS_PER_ADDRESS)
            # Past its limit an address is answered alike, and sent nothing more.
            if per_address.hit(email_key(address)):
                send_data_request.enqueue(address, uuid.uuid4().hex)
            return render(request, "signing/privacy/request_sent.html")
    status = 400 if form.errors else 200
    return render(request, "signing/privacy/request.html", {"form": form}, status=status)


def _held(token: str) -> tuple[str, list[Signature]] | None:
    found = data_request_from_token(token, max_age=settings.DATA_REQUEST_MAX_AGE)
    if found is None:
        return None
    address_key, signature_ids = found
    return address_key, signatures_held_for(address_key, signature_ids)


def _invalid(request: HttpRequest) -> HttpResponse:
    return refuse(request, _("This link is not valid or has expired. Ask for a new one."), 404)


@never_cache
def personal_data(request: HttpRequest, token: str) -> HttpResponse:
    """Every letter the address signed, with a download of it all and a way to erase it."""
    held = _held(token)
    if held is None:
        return _invalid(request)
    _address_key, signatures = held
    entries = [(signature, signatory(signature)) for signature in signatures]
    return render(request, "signing/privacy/data.html", {"entries": entries, "token": token})


@never_cache
def personal_data_download(request: HttpRequest, token: str) -> HttpResponse:
    held = _held(token)
    if held is None:
        return _invalid(request)
    response = JsonResponse(
        personal_data_export(*held), json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = 'attachment; filename="what-we-keep-about-you.json"'
    return response


@csrf_exempt  # the token in the address is the proof; see is_same_origin
@never_cache
def personal_data_erase(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm; only the POST erases, since mail scanners prefetch links."""
    held = _held(token)
    if held is None:
        return _invalid(request)
    address_key, signatures = held
    if request.method == "POST":
        if not is_same_origin(request):
            return refuse(request, _("This form must be sent from our own page."), 403)
        erased = address_erase(address_key, signatures)
        return render(request, "signing/privacy/erased.html", {"erased": erased})
    context = {"signatures": signatures, "token": token}
    return render(request, "signing/privacy/erase.html", context)
