from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/organisations/<slug:slug>/letters/new/", views.letter_new, name="letter_new"),
    path("dashboard/letters/<slug:slug>/", views.letter_edit, name="letter_edit"),
    path("dashboard/letters/<slug:slug>/publish/", views.letter_publish, name="letter_publish"),
    path("dashboard/letters/<slug:slug>/close/", views.letter_close, name="letter_close"),
    path(
        "dashboard/letters/<slug:slug>/translations/<str:language>/",
        views.letter_translation,
        name="letter_translation",
    ),
]
