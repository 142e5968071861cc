"""The operator's pages for organisations: until owners can invite members, members are
added here (the dashboard says so to an organiser who belongs to none)."""

from django.contrib import admin

from undersigned.audit.admin_changes import AuditedAdmin

from .models import Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MembershipInline,)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "organisation__name")
    autocomplete_fields = ("user", "organisation")
