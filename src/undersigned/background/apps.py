from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    name = "undersigned.background"
    verbose_name = "Background work"
