from django.urls import path

from . import views

urlpatterns = [
    path(
        "dashboard/organisations/<slug:slug>/digest/",
        views.organisation_digest,
        name="organisation_digest",
    ),
]
