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
