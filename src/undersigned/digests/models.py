from django.db import models

from undersigned.organisations.models import Organisation


class DigestDay(models.Model):
    """One organisation's digest of one day, claimed by the round that queued its sending:
    a second round, or another worker's, finds the row and queues nothing."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="digest_days"
    )
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "day"], name="one_digest_per_day")
        ]

    def __str__(self) -> str:
        return f"Digest of {self.organisation_id} for {self.day}"
