"""Operators' changes through the Django admin, recorded in the audit log.

A `ModelAdmin` of anything an audit reader should see changed (organisations, memberships,
letters, signatures) derives from `AuditedAdmin`. The admin saves and deletes inside its own
transaction (and, for the "delete selected" action, inside ours), so each entry commits with
the change it records. Entries name the fields that changed, never their values, except a
member's role, which is what a reader of the log looks for.
"""

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest

from undersigned.accounts.models import User

from .log import audit_record

# The admin's verbs as the log words them, per model; other models say add/change/delete.
_VERBS = {
    "organisations.membership": {"add": "member.add", "delete": "member.remove"},
}
_NOUNS = {"organisations.membership": "member"}


def organisation_of(obj: models.Model) -> int | None:
    """Whose log an object's change belongs to: an organisation's own, that of the
    organisation it belongs to, or that of its letter's organisation."""
    if obj._meta.label_lower == "organisations.organisation":
        return int(obj.pk)
    if hasattr(obj, "organisation_id"):
        return obj.organisation_id
    letter = getattr(obj, "letter", None)
    return getattr(letter, "organisation_id", None)


def admin_change_record(
    request: HttpRequest, obj: models.Model, verb: str, form: ModelForm[Any] | None = None
) -> None:
    label = obj._meta.label_lower
    action = _VERBS.get(label, {}).get(verb, f"{_NOUNS.get(label, obj._meta.model_name)}.{verb}")
    detail: dict[str, object] = {"via": "admin"}
    if form is not None and verb == "change":
        detail["fields"] = list(form.changed_data)
    if label == "organisations.membership":
        detail["role"] = getattr(obj, "role", "")
        if form is not None and verb == "change" and "role" in form.changed_data:
            action = "member.role"
            detail["previous_role"] = form.initial.get("role", "")
    user = request.user
    audit_record(
        action=action,
        actor=user if isinstance(user, User) else None,
        target=obj,
        organisation_id=organisation_of(obj),
        request=request,
        detail=detail,
    )


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose adds, changes and deletes, inlines included, are audited."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or form.has_changed():
            admin_change_record(request, obj, "change" if change else "add", form)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        admin_change_record(request, obj, "delete")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic(using=queryset.db):
            for obj in queryset:
                admin_change_record(request, obj, "delete")
            super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        forms_by_pk = _initial_forms(formset)
        # Before the save, which forgets a deleted object's primary key.
        for deleted in formset.deleted_forms:
            if deleted.instance.pk is not None:
                admin_change_record(request, deleted.instance, "delete")
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            admin_change_record(request, obj, "add")
        for obj, _fields in formset.changed_objects:
            admin_change_record(request, obj, "change", forms_by_pk.get(obj.pk))


def _initial_forms(formset: BaseModelFormSet[Any, Any]) -> dict[Any, ModelForm[Any]]:
    return {f.instance.pk: f for f in formset.initial_forms if f.instance.pk is not None}
