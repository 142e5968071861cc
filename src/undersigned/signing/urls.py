from django.urls import path

from . import export, views

urlpatterns = [
    path("letters/<slug:slug>/signed/", views.signed, name="letter_signed"),
    path("letters/<slug:slug>/manage/", views.manage_link, name="letter_manage_link"),
    path("confirm/<str:token>/", views.confirm, name="signature_confirm"),
    path("signature/<str:token>/", views.manage, name="signature_manage"),
    path("my-data/", views.data_request, name="data_request"),
    path("my-data/<str:token>/", views.personal_data, name="personal_data"),
    path("my-data/<str:token>/data.json", views.personal_data_download, name="personal_data_json"),
    path("my-data/<str:token>/erase/", views.personal_data_erase, name="personal_data_erase"),
    path(
        "dashboard/letters/<slug:slug>/signatures.csv",
        export.letter_signatures_csv,
        name="letter_signatures_csv",
    ),
    path(
        "dashboard/letters/<slug:slug>/signatures.xlsx",
        export.letter_signatures_xlsx,
        name="letter_signatures_xlsx",
    ),
]
