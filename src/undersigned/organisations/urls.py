from django.urls import path

from undersigned.letters import editor_views as editor
from undersigned.letters.export import letter_signatures_csv

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/organisations/new/", views.organisation_new, name="organisation_new"),
    path("dashboard/organisations/<slug:slug>/letters/new/", editor.letter_new, name="letter_new"),
    path("dashboard/letters/<slug:slug>/", editor.letter_edit, name="letter_edit"),
    path("dashboard/letters/<slug:slug>/preview/", editor.letter_preview, name="letter_preview"),
    path("dashboard/letters/<slug:slug>/publish/", editor.letter_publish, name="letter_publish"),
    path("dashboard/letters/<slug:slug>/close/", editor.letter_close, name="letter_close"),
    path(
        "dashboard/letters/<slug:slug>/signatures.csv",
        letter_signatures_csv,
        name="letter_signatures_csv",
    ),
]
