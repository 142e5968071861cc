from django.urls import path

from . import views

urlpatterns = [
    path(
        "dashboard/letters/<slug:slug>/deliveries/",
        views.letter_deliveries,
        name="letter_deliveries",
    ),
    path("dashboard/letters/<slug:slug>/deliveries/new/", views.delivery_new, name="delivery_new"),
    path("dashboard/letters/<slug:slug>/responses/new/", views.response_new, name="response_new"),
    path("dashboard/responses/<int:pk>/update/", views.response_update, name="response_update"),
    path("dashboard/deliveries/<int:pk>.csv", views.delivery_csv, name="delivery_csv"),
    path(
        "letters/<slug:slug>/deliveries/<int:number>.pdf",
        views.delivery_pdf,
        name="delivery_pdf",
    ),
    path(
        "letters/<slug:slug>/deliveries/<int:number>/manifest.json",
        views.delivery_manifest,
        name="delivery_manifest",
    ),
]
