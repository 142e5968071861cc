"""A delivery's PDF and CSV built in a short-lived child process, so that the worker, which
runs for months, never keeps fpdf2, Pillow, fontTools, HarfBuzz and the fonts loaded (some
60 MB it would hold from its first delivery on; bench/memory.py measures it).

The parent runs `python -m undersigned.deliveries.build_child <delivery id>`: a fresh
interpreter with the parent's environment (and so its settings, database and media
directory) that sets Django up, builds the files with `documents.delivery_files_build`,
exactly as the worker did, and exits. The parent waits, logs what the child wrote to
stderr, and raises if it failed. A build is idempotent: the delivery's row points at the
new files only once both are written, so a build killed with its worker is simply done
again when the task's lease runs out.

The child ignores SIGINT and SIGTERM: a stop signal to the worker (or to its whole process
group, as a terminal or systemd sends it) lets the worker finish the task at hand, this
build included. If the worker itself dies, the child notices within a second and exits.

In a transaction (tests run tasks inside the test's), a child could not see the
uncommitted rows, so the build stays in the process; so it does with
DELIVERY_BUILD_IN_CHILD = False.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection

if TYPE_CHECKING:
    from .models import Delivery

# Nothing of the app is imported at the top: run with -m, this module loads before Django
# is set up.

logger = logging.getLogger(__name__)

MODULE = "undersigned.deliveries.build_child"
# The name of the parent's database, which the child uses in place of the configured one.
DATABASE_NAME = "UNDERSIGNED_BUILD_DATABASE_NAME"


class DeliveryBuildFailed(RuntimeError):
    """The child process that builds a delivery's files failed."""


def delivery_files_build_isolated(delivery: "Delivery") -> None:
    """`delivery_files_build`, in a child process unless inside a transaction or told not
    to; either way `delivery` then holds the new files, as after an in-process build."""
    from .documents import delivery_files_build

    if connection.in_atomic_block or not settings.DELIVERY_BUILD_IN_CHILD:
        delivery_files_build(delivery)
        return
    _build_in_child(delivery.pk)
    delivery.refresh_from_db(fields=["pdf", "csv", "files_event_id"])


def _build_in_child(delivery_id: int) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", MODULE, str(delivery_id)],
        env=_child_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        check=False,
    )  # on any exception here (KeyboardInterrupt too), run() kills the child first
    output = done.stderr.strip()
    if done.returncode != 0:
        logger.error(
            "Building the files of delivery %s failed in its child process (exit %s):\n%s",
            delivery_id,
            done.returncode,
            output,
        )
        last = output.splitlines()[-1] if output else f"exit status {done.returncode}"
        raise DeliveryBuildFailed(f"delivery {delivery_id}: {last}")
    if output:
        logger.info("The build of delivery %s said:\n%s", delivery_id, output)
    logger.info(
        "Built the files of delivery %s in a child process in %.1f s",
        delivery_id,
        time.monotonic() - started,
    )


def _child_environment() -> dict[str, str]:
    """The parent's environment, with its settings module, and the directory this package
    was imported from first on the path, so the child runs the very same code."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = os.environ.get(
        "DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE
    )
    source = str(Path(__file__).resolve().parents[2])
    path = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = os.pathsep.join([source, path]) if path else source
    # The database and the media directory this process uses, whatever its environment
    # says: a test's database and media directory are not the environment's.
    env[DATABASE_NAME] = str(connection.settings_dict["NAME"])
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    return env


def _exit_with_parent(parent: int) -> None:
    """Leave as soon as the process that started this one is gone (killed with its worker):
    the task is run again once its lease runs out, and builds the files again."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    if name := os.environ.get(DATABASE_NAME):
        connection.settings_dict["NAME"] = name  # before the first query connects
    from .documents import delivery_files_build, delivery_for_build

    [delivery_id] = argv
    delivery = delivery_for_build(int(delivery_id))
    if delivery is None:
        return  # deleted meanwhile: nothing to build, as in the worker
    delivery_files_build(delivery)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    import django

    django.setup()
    main(sys.argv[1:])
