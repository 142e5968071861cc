from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/organisations/new/", views.organisation_new, name="organisation_new"),
    path(
        "dashboard/organisations/<slug:slug>/settings/",
        views.organisation_settings,
        name="organisation_settings",
    ),
]
