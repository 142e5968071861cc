"""django_tasks_db's worker, with a watchdog that takes up work a dead worker held."""

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from undersigned.background.leases import leases_expire

logger = logging.getLogger("undersigned.background")


class Command(DatabaseWorkerCommand):
    help = (
        "Run a background worker. Work claimed by a worker that died is put back once "
        "its lease (TASK_LEASE_SECONDS) runs out."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        threading.Thread(target=_watch_leases, name="lease-watchdog", daemon=True).start()
        super().handle(*args, **options)


def _watch_leases() -> None:
    pause = min(30.0, max(0.5, settings.TASK_LEASE_SECONDS / 4))
    while True:
        try:
            if put_back := leases_expire():
                logger.warning("Took up %d task(s) a stopped worker left unfinished.", put_back)
        except DatabaseError:
            logger.warning("Could not check the leases of claimed tasks; trying again.")
        finally:
            connection.close()  # this thread's own connection, never left idle in a transaction
        time.sleep(pause)
