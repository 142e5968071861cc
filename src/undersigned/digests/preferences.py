"""A member's choice of the daily digest."""

from undersigned.organisations.models import Membership


def digest_choose(*, membership: Membership, on: bool) -> Membership:
    """Turn the member's daily digest on or off; only this membership, only this field."""
    Membership.objects.filter(pk=membership.pk).update(daily_digest=on)
    membership.daily_digest = on
    return membership
