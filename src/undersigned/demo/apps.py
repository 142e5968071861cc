from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "undersigned.demo"
    verbose_name = "Demo data"
