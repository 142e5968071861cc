"""An address's choice to hear no more from an organisation, and taking it back."""

from django.db import IntegrityError, transaction

from .models import Unsubscription


def unsubscribe(organisation_id: int, address_key: str) -> None:
    """Idempotent: unsubscribing twice, or from two emails at once, leaves one record."""
    try:
        with transaction.atomic():
            Unsubscription.objects.create(organisation_id=organisation_id, address_key=address_key)
    except IntegrityError:
        pass


def resubscribe(organisation_id: int, address_key: str) -> None:
    Unsubscription.objects.filter(organisation_id=organisation_id, address_key=address_key).delete()


def is_unsubscribed(organisation_id: int, address_key: str) -> bool:
    return Unsubscription.objects.filter(
        organisation_id=organisation_id, address_key=address_key
    ).exists()


def unsubscribed_keys(organisation_id: int) -> set[str]:
    return set(
        Unsubscription.objects.filter(organisation_id=organisation_id).values_list(
            "address_key", flat=True
        )
    )
