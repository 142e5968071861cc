from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "undersigned.transparency"
    verbose_name = "The tamper-evident signature log, its proofs and receipts"
