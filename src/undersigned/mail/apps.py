from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "undersigned.mail"

    def ready(self) -> None:
        from . import checks  # noqa: F401  registers the deploy check
