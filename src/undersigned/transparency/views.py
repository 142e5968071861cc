"""The log's public JSON endpoints (docs/transparency.md), and a signer's receipt page.

What a fixed size of a log says never changes, so entries and proofs of sizes already
signed are cached by anyone forever; the latest head, a second. Nothing here reads a
signature, a commitment's salt or which event an entry came from, but the receipt, which
only its signer's link reaches.
"""

import functools
import json
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from undersigned.letters.access import public_letter
from undersigned.letters.models import Letter
from undersigned.letters.takedowns import LetterTakenDown
from undersigned.lib.caching import cacheable
from undersigned.lib.merkle import consistency_proof, inclusion_proof
from undersigned.lib.page_cache import page_cached

from .models import LogEntry, TreeHead
from .public import (
    entries,
    entry_json,
    head_json,
    head_latest,
    heads,
    keys_json,
    log_id_of,
    log_public,
)
from .receipts import endpoints, receipt_json, receipt_of, signature_id_from_receipt_token
from .store import StoredNodes

MAX_ENTRIES = 1000
MAX_HEADS = 1000
LARGEST = 2**63 - 1
IMMUTABLE = "public, max-age=31536000, immutable"
KEYS_SECONDS = 60


class Refused(Exception):
    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


def _refused(refusal: Refused) -> JsonResponse:
    response = JsonResponse({"error": refusal.error, "detail": refusal.detail})
    response.status_code = refusal.status
    return cacheable(response)


def _answer(body: dict[str, Any], *, immutable: bool) -> HttpResponseBase:
    response = JsonResponse(body)
    if immutable:
        response["Cache-Control"] = IMMUTABLE
        return response
    return page_cached(cacheable(response), 1)


def _number(request: HttpRequest, name: str, default: int | None = None) -> int:
    value = request.GET.get(name)
    if value is None and default is not None:
        return default
    digits = value is not None and value.isascii() and value.isdigit() and len(value) <= 19
    if value is None or not digits or int(value) > LARGEST:
        raise Refused(400, "bad_request", f"{name} must be a whole number from 0.")
    return int(value)


def _published(slug: str) -> tuple[Letter, str, TreeHead | None]:
    """The letter, its log's identifier and its latest head, if its log is public."""
    letter = public_letter(slug)
    if not log_public(letter):
        raise Refused(
            404,
            "count_stepped",
            f"This letter shows its count in steps of {letter.count_step}, and its log "
            "would tell the exact count, so it is not published.",
        )
    return letter, log_id_of(letter), head_latest(letter)


def _size_signed(head: TreeHead | None) -> int:
    return head.size if head is not None else 0


View = Callable[..., HttpResponseBase]


def _json_view(view: View) -> View:
    """A GET endpoint whose refusals, a missing letter's among them, are JSON too."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _refused(Refused(404, "not_found", "No public letter has this address."))
        except Refused as refusal:
            return _refused(refusal)

    return require_safe(wrapped)


@_json_view
def log_keys(request: HttpRequest) -> HttpResponseBase:
    """Every key that ever signed a head of this instance, retired ones too."""
    return cacheable(JsonResponse(keys_json()), KEYS_SECONDS)


@_json_view
def log_head(request: HttpRequest, slug: str) -> HttpResponseBase:
    _letter, log_id, head = _published(slug)
    if head is None:
        raise Refused(404, "empty", "Nothing has been appended to this letter's log yet.")
    return _answer(head_json(head, log_id), immutable=False)


@_json_view
def log_heads(request: HttpRequest, slug: str) -> HttpResponseBase:
    """Every head, smallest first, a page at a time: those larger than `after`."""
    letter, log_id, _head = _published(slug)
    after = _number(request, "after", default=0)
    page = list(heads(letter).filter(size__gt=after)[:MAX_HEADS])
    full = len(page) == MAX_HEADS
    body = {
        "log": log_id,
        "heads": [head_json(head, log_id) for head in page],
        "next": f"{request.path}?after={page[-1].size}" if full else None,
    }
    return _answer(body, immutable=full)


@_json_view
def log_entries(request: HttpRequest, slug: str) -> HttpResponseBase:
    """Entries [start, end), at most MAX_ENTRIES, of those a head signed."""
    letter, log_id, head = _published(slug)
    start = _number(request, "start", default=0)
    end = _number(request, "end", default=start + MAX_ENTRIES)
    if not start < end <= start + MAX_ENTRIES:
        raise Refused(
            400, "bad_request", f"Ask for 1 to {MAX_ENTRIES} entries: start < end <= start + 1000."
        )
    signed = _size_signed(head)
    last = min(end, signed)
    rows = list(entries(letter, start, last)) if start < last else []
    body = {
        "log": log_id,
        "start": start,
        "end": max(start, last),
        "entries": [entry_json(row) for row in rows],
    }
    return _answer(body, immutable=last == end)


@_json_view
def log_inclusion(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The audit path of entry `index` in the tree of the first `size` entries."""
    letter, log_id, head = _published(slug)
    index, size = _number(request, "index"), _number(request, "size")
    signed = _size_signed(head)
    if not index < size <= signed:
        raise Refused(
            400, "bad_request", f"Ask for 0 <= index < size <= {signed}, the latest head's size."
        )
    row = LogEntry.objects.get(letter=letter, index=index)
    proof = inclusion_proof(index, size, StoredNodes(letter.pk))
    body = {
        "log": log_id,
        "index": index,
        "size": size,
        "entry": bytes(row.entry).decode(),
        "leaf_hash": bytes(row.leaf_hash).hex(),
        "proof": [node.hex() for node in proof],
    }
    return _answer(body, immutable=True)


@_json_view
def log_consistency(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The hashes that show the tree of `second` entries begins with that of `first`."""
    letter, log_id, head = _published(slug)
    first, second = _number(request, "first"), _number(request, "second")
    signed = _size_signed(head)
    if not first <= second <= signed:
        raise Refused(
            400,
            "bad_request",
            f"Ask for 0 <= first <= second <= {signed}, the latest head's size.",
        )
    proof = consistency_proof(first, second, StoredNodes(letter.pk))
    body = {
        "log": log_id,
        "first": first,
        "second": second,
        "proof": [node.hex() for node in proof],
    }
    return _answer(body, immutable=True)


@never_cache
@require_safe
def receipt(request: HttpRequest, token: str) -> HttpResponse:
    """A signer's receipt: their entry, the head that first held it, their salt, and what
    became of their signature since."""
    signature_id = signature_id_from_receipt_token(token)
    found = receipt_of(signature_id) if signature_id is not None else None
    if found is None:
        missing = {"message": _("This link is not valid.")}
        return render(request, "transparency/receipt_missing.html", missing, status=404)
    if found.letter.is_taken_down:
        raise LetterTakenDown(found.letter)
    context: dict[str, Any] = {
        "receipt": found,
        "json_url": reverse("log_receipt_json", kwargs={"token": token}),
        "urls": endpoints(found),
    }
    if found.public and found.entry is not None:
        context["receipt_text"] = json.dumps(receipt_json(found), indent=2)
    return render(request, "transparency/receipt.html", context)


@never_cache
@require_safe
def receipt_download(request: HttpRequest, token: str) -> HttpResponse:
    signature_id = signature_id_from_receipt_token(token)
    found = receipt_of(signature_id) if signature_id is not None else None
    if found is None or found.entry is None or not found.public:
        return JsonResponse({"error": "not_found", "detail": "No receipt here."}, status=404)
    response = JsonResponse(receipt_json(found), json_dumps_params={"indent": 2})
    filename = f"receipt-{found.log_id}-{found.entry.index}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
