from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "undersigned.webhooks"
