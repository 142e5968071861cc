from django.db import models


class OutboxMessage(models.Model):
    """A message kept for the local outbox page, in demo and development only."""

    to = models.TextField()
    subject = models.CharField(max_length=500)
    body = models.TextField()
    html = models.TextField(blank=True)
    message = models.TextField(help_text="The whole message as it would go over SMTP.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class SentMessage(models.Model):
    """A message we set out to send, claimed before the relay is asked, so that a task run
    again (after a worker died, or on a retry) recognises what already went out.

    It holds no address: only the sender's key for the message ("proof:42") and what the
    relay answered.
    """

    key = models.CharField(max_length=200, unique=True)
    message_id = models.CharField(max_length=200)
    # While a sender holds the claim; one that died lets it lapse, and another takes over.
    claimed_until = models.DateTimeField(null=True)
    sent_at = models.DateTimeField(null=True)
    refused = models.TextField(blank=True, help_text="The relay's permanent refusal, if any.")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
