"""Reading the audit log: an organisation's owners read its own, operators read all of it.

The log is shown newest first, a page at a time, and may be narrowed to one action. It
names who acted and what changed; where from is shown only as the start of a keyed hash,
enough to see that two changes came from one place and not where that was.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from undersigned.audit.models import AuditEntry, AuditEntryQuerySet
from undersigned.organisations.access import Action, OrganiserRequest, role_or_404
from undersigned.organisations.models import Organisation

ENTRIES_PER_PAGE = 50
# Enough of the keyed hash to tell places apart on one page, too little to be a handle.
IP_HASH_SHOWN = 10


class ActionFilter(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)

    def __init__(self, data: QueryDict, *, actions: Sequence[str]) -> None:
        super().__init__(data)
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Every action")), *((action, action) for action in actions)]


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    detail: str
    place: str
    organisation: str  # on the operator's page, whose entry it is


@login_required
@never_cache
def organisation_audit(request: OrganiserRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    role_or_404(request.user, organisation, Action.READ_AUDIT)
    entries = AuditEntry.objects.of_organisation(organisation.pk)
    return _log_page(request, entries, organisation=organisation)


@login_required
@never_cache
def audit_all(request: OrganiserRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied(_("Only the site's operators may read the whole audit log."))
    return _log_page(request, AuditEntry.objects.all(), organisation=None)


def _log_page(
    request: OrganiserRequest, entries: AuditEntryQuerySet, *, organisation: Organisation | None
) -> HttpResponse:
    actions = list(entries.order_by("action").values_list("action", flat=True).distinct())
    form = ActionFilter(request.GET, actions=actions)
    status = 200
    if not form.is_valid():
        status = 400
    elif form.cleaned_data["action"]:
        entries = entries.filter(action=form.cleaned_data["action"])
    page = Paginator(entries.order_by("-created_at", "-id"), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "organisation": organisation,
        "form": form,
        "page": page,
        "rows": _rows(page, show_organisation=organisation is None),
        "query": _query_without_page(form),
    }
    return render(request, "audit/log.html", context, status=status)


def _rows(page: Page[AuditEntry], *, show_organisation: bool) -> list[Row]:
    entries = list(page.object_list)
    ids = {e.organisation_id for e in entries if show_organisation and e.organisation_id}
    names = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        Row(
            entry,
            detail_text(entry.detail),
            entry.ip_hash[:IP_HASH_SHOWN],
            _organisation_name(entry.organisation_id, names),
        )
        for entry in entries
    ]


def _organisation_name(organisation_id: int | None, names: dict[int, str]) -> str:
    if organisation_id is None:
        return ""
    if organisation_id in names:
        return names[organisation_id]
    return _("number %(id)s (deleted)") % {"id": organisation_id}


def detail_text(detail: object) -> str:
    """A detail as a reader wants it: "fields: title, body; version: 2"."""
    if not isinstance(detail, dict):
        return str(detail)
    parts = []
    for key, value in detail.items():
        if isinstance(value, list | tuple):
            value = ", ".join(str(item) for item in value) or "none"
        elif value is None:
            value = "none"
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


def _query_without_page(form: ActionFilter) -> str:
    action = form.cleaned_data.get("action") if form.is_valid() else ""
    return urlencode({"action": action}) + "&" if action else ""
