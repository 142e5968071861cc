from django.urls import path

from . import export, views

urlpatterns = [
    path("letters/<slug:slug>/signed/", views.signed, name="letter_signed"),
    path("letters/<slug:slug>/manage/", views.manage_link, name="letter_manage_link"),
    path("confirm/<str:token>/", views.confirm, name="signature_confirm"),
    path("signature/<str:token>/", views.manage, name="signature_manage"),
    path(
        "dashboard/letters/<slug:slug>/signatures.csv",
        export.letter_signatures_csv,
        name="letter_signatures_csv",
    ),
]
