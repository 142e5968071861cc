from django.urls import path

from . import views

WEBHOOKS = "dashboard/organisations/<slug:slug>/webhooks/"
ENDPOINT = f"{WEBHOOKS}<int:endpoint_id>/"

urlpatterns = [
    path(WEBHOOKS, views.webhook_list, name="webhooks"),
    path(f"{WEBHOOKS}new/", views.webhook_new, name="webhook_new"),
    path(ENDPOINT, views.webhook, name="webhook"),
    path(f"{ENDPOINT}edit/", views.webhook_edit, name="webhook_edit"),
    path(f"{ENDPOINT}delete/", views.webhook_delete, name="webhook_delete"),
    path(f"{ENDPOINT}secret/", views.webhook_secret, name="webhook_secret"),
    path(f"{ENDPOINT}test/", views.webhook_test, name="webhook_test"),
]
