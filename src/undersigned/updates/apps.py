from django.apps import AppConfig


class UpdatesConfig(AppConfig):
    name = "undersigned.updates"
    verbose_name = "Updates to signers, and milestones"
