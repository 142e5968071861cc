from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "undersigned.moderation"
    verbose_name = "Moderation"
