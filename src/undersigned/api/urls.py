from django.urls import path

from . import views

urlpatterns = [
    path("api/v1/letters/", views.letter_list, name="api_letters"),
    path("api/v1/letters/<slug:slug>/", views.letter_detail, name="api_letter"),
    path(
        "api/v1/letters/<slug:slug>/signatures/",
        views.letter_signatures,
        name="api_letter_signatures",
    ),
]
