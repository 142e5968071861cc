from django.db import models


class RecurringRound(models.Model):
    """When a recurring task is next due, so that however many workers start, one round
    of it is under way at a time, whatever the task backend."""

    task_path = models.CharField(max_length=200, unique=True)
    due_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.task_path} due {self.due_at}"
