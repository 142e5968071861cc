"""The worker behind `undersigned worker`: every queue in use, in one process.

The database queue (django_tasks_db's worker) always runs, with a watchdog that takes up
work a dead worker held and starts again a recurring round whose chain broke. When a task
backend is RQ (REDIS_URL), RQ's own worker runs too, with its scheduler, for the RQ
queues: it takes the main thread, which RQ needs for its signals and job timeouts, and
the database queue runs beside it in a thread. A stop signal lets both finish the task at
hand; a second one stops at once (what was running is taken up again, see leases.py).
"""

import logging
import os
import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django_tasks import task_backends
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker

from undersigned.background.leases import leases_expire
from undersigned.background.recurring import recurring_restart

logger = logging.getLogger("undersigned.background")

# How often a running worker looks for a recurring round whose chain broke.
RECURRING_CHECK_SECONDS = 60.0


class Command(DatabaseWorkerCommand):
    help = (
        "Run a background worker for every queue in use. Work claimed by a worker that "
        "died is put back once its lease (TASK_LEASE_SECONDS) runs out."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        threading.Thread(target=_watch, name="lease-watchdog", daemon=True).start()
        rq_queues = _rq_queues()
        if not rq_queues:
            super().handle(*args, **options)
            return
        self.configure_logging(options["verbosity"])
        _run_both(_database_worker(options), rq_queues)


def _rq_queues() -> list[str]:
    """The queues of every RQ task backend configured."""
    queues: set[str] = set()
    for alias in settings.TASKS:
        backend = task_backends[alias]
        # By name: importing django_tasks_rq fails where RQ is not configured.
        if type(backend).__module__.startswith("django_tasks_rq"):
            queues.update(backend.queues)
    return sorted(queues)


def _database_worker(options: dict[str, Any]) -> DatabaseWorker:
    """django_tasks_db's worker, as its command would make it from these options."""
    excluded = options["exclude_queues"]
    return DatabaseWorker(
        queue_names=options["queue_name"].split(","),
        interval=options["interval"],
        batch=False,
        backend_name=options["backend_name"],
        startup_delay=options["startup_delay"],
        max_tasks=options["max_tasks"],
        worker_id=options["worker_id"],
        excluded_queue_names=excluded.split(",") if excluded else [],
    )


def _run_both(database: DatabaseWorker, rq_queues: list[str]) -> None:
    # Only now: django_rq refuses to load without RQ_QUEUES, and RQ with redis-py costs a
    # worker that serves no RQ queue some 19 MB.
    import django_rq
    from django_tasks_rq import Job

    from undersigned.background.rq_worker import RQWorker

    level = logger.getEffectiveLevel()
    outcome: dict[str, bool] = {}

    def run_database_queue() -> None:
        try:
            database.run()
            outcome["failed"] = False
        except Exception:
            logger.exception("The database queue's worker stopped; stopping the worker.")
            outcome["failed"] = True
        finally:
            connection.close()
            if database.running:  # it stopped by itself: take the RQ worker down with it
                os.kill(os.getpid(), signal.SIGTERM)

    rq_worker = django_rq.get_worker(
        *rq_queues,
        job_class=Job,
        worker_class=RQWorker,  # type: ignore[arg-type]  # a SimpleWorker, not a Worker
    )
    assert isinstance(rq_worker, RQWorker)
    # A daemon: a second stop signal (RQ's cold stop) ends the process, and the thread.
    thread = threading.Thread(target=run_database_queue, name="database-queue", daemon=True)
    thread.start()
    rq_worker.work(with_scheduler=True, logging_level=logging.getLevelName(level))
    # A stop signal, or RQ gave up (it lost Redis): let the database queue finish its task,
    # unless another signal comes.
    signal.signal(signal.SIGTERM, _exit_now)
    signal.signal(signal.SIGINT, _exit_now)
    database.running = False
    thread.join()
    if outcome.get("failed", True) or not rq_worker.stop_asked:
        raise SystemExit(1)  # one of them stopped by itself: a supervisor should restart us


def _exit_now(signum: int, frame: object) -> None:
    raise SystemExit(1)


def _watch() -> None:
    pause = min(30.0, max(0.5, settings.TASK_LEASE_SECONDS / 4))
    next_recurring_check = time.monotonic() + RECURRING_CHECK_SECONDS
    while True:
        try:
            if put_back := leases_expire():
                logger.warning("Took up %d task(s) a stopped worker left unfinished.", put_back)
            if time.monotonic() >= next_recurring_check:
                next_recurring_check = time.monotonic() + RECURRING_CHECK_SECONDS
                if restarted := recurring_restart():
                    logger.warning("Started again %d recurring round(s) that stopped.", restarted)
        except DatabaseError:
            logger.warning("Could not check the leases of claimed tasks; trying again.")
        finally:
            connection.close()  # this thread's own connection, never left idle in a transaction
        time.sleep(pause)
