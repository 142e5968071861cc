"""A signer's receipt page, in the site's languages."""

from django.urls import path

from . import views

urlpatterns = [
    path("receipt/<str:token>/", views.receipt, name="log_receipt"),
    path("receipt/<str:token>/receipt.json", views.receipt_download, name="log_receipt_json"),
]
