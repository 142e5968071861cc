from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "undersigned.audit"
    verbose_name = "Audit log"
