from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import OutboxMessage


def _require_outbox() -> None:
    if not settings.OUTBOX_PAGE_ENABLED:
        raise Http404


def outbox(request: HttpRequest) -> HttpResponse:
    _require_outbox()
    messages = OutboxMessage.objects.all()[:100]
    return render(request, "mail/outbox.html", {"messages": messages})


def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    _require_outbox()
    message = get_object_or_404(OutboxMessage, pk=pk)
    return render(request, "mail/outbox_message.html", {"message": message})
