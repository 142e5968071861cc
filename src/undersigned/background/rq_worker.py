"""RQ's worker as `undersigned worker` runs it when Redis is configured (imported only then)."""

from typing import Any

from django.db import close_old_connections
from rq.worker import SimpleWorker


class RQWorker(SimpleWorker):
    """RQ's worker running each job in this process, as the database queue does (no fork
    per job), checking its database connection before each, as Django does per request."""

    stop_asked = False

    def request_stop(self, signum: Any, frame: Any) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)

    def execute_job(self, job: Any, queue: Any) -> None:
        close_old_connections()
        super().execute_job(job, queue)
