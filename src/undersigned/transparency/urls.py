"""The log's public JSON endpoints, at one address in every language (docs/transparency.md)."""

from django.urls import path

from . import views

urlpatterns = [
    path(".well-known/undersigned-log-keys.json", views.log_keys, name="log_keys"),
    path("letters/<slug:slug>/log/head.json", views.log_head, name="log_head"),
    path("letters/<slug:slug>/log/heads.json", views.log_heads, name="log_heads"),
    path("letters/<slug:slug>/log/entries.json", views.log_entries, name="log_entries"),
    path("letters/<slug:slug>/log/proof/inclusion.json", views.log_inclusion, name="log_inclusion"),
    path(
        "letters/<slug:slug>/log/proof/consistency.json",
        views.log_consistency,
        name="log_consistency",
    ),
]
