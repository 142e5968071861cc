from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "undersigned.deliveries"
    verbose_name = "Deliveries to targets, and their responses"
