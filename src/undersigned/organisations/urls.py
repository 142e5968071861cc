from django.urls import path

from . import views

MEMBERS = "dashboard/organisations/<slug:slug>/members/"

urlpatterns = [
    path("dashboard/organisations/new/", views.organisation_new, name="organisation_new"),
    path(
        "dashboard/organisations/<slug:slug>/settings/",
        views.organisation_settings,
        name="organisation_settings",
    ),
    path(MEMBERS, views.organisation_members, name="organisation_members"),
    path(f"{MEMBERS}invite/", views.organisation_invite, name="organisation_invite"),
    path(
        f"{MEMBERS}invitations/<int:invitation_id>/revoke/",
        views.organisation_invitation_revoke,
        name="organisation_invitation_revoke",
    ),
    path(
        f"{MEMBERS}<int:membership_id>/role/",
        views.organisation_member_role,
        name="organisation_member_role",
    ),
    path(
        f"{MEMBERS}<int:membership_id>/remove/",
        views.organisation_member_remove,
        name="organisation_member_remove",
    ),
    path(f"{MEMBERS}leave/", views.organisation_leave, name="organisation_leave"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
