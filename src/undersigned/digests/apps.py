from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "undersigned.digests"
    verbose_name = "Daily digests"
