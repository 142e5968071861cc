from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "undersigned.pages"
    verbose_name = "Pages that show several apps together"
