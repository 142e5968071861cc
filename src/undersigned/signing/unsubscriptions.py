"""An address's choice to hear no more from an organisation, and taking it back."""

from collections.abc import Iterable

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


def unsubscribed_keys(organisation_id: int, among: Iterable[str] | None = None) -> set[str]:
    """The keyed hashes of the addresses that unsubscribed from the organisation: all of
    them, or those among the given ones."""
    unsubscribed = Unsubscription.objects.filter(organisation_id=organisation_id)
    if among is not None:
        unsubscribed = unsubscribed.filter(address_key__in=list(among))
    return set(unsubscribed.values_list("address_key", flat=True))
