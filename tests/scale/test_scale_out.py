"""Scale-out: several web servers and workers share one PostgreSQL and one Redis with no
coordination of their own, and the counts and emails come out exact; without Redis, the
web processes of one machine still share one rate limit."""

import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from psycopg.sql import SQL, Identifier

from tests.conftest import port_open, skip_unless
from tests.mail.conftest import Relay
from tests.processes import logs
from tests.scale.conftest import (
    Processes,
    confirmation_path,
    environment,
    seed,
    wait_until_serving,
)
from undersigned.background.models import RecurringRound
from undersigned.signing.tasks import send_confirmation

POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own: the suite's is 15
LETTERS = ["drop-the-contract", "open-the-books"]
SIGNERS = 12  # for each letter


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A throwaway database beside `test`, dropped after, whichever database the suite uses."""
    skip_unless(port_open("127.0.0.1", 5432), "PostgreSQL is not running at 127.0.0.1:5432")
    name = f"undersigned_scale_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{POSTGRES}/test", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES}/test", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_database() -> Iterator[redis.Redis]:
    skip_unless(port_open("127.0.0.1", 6379), "Redis is not running at 127.0.0.1:6379")
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def wait_until(
    condition: Callable[[], bool], processes: Processes, what: str, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if any(process.poll() is not None for process in processes.started):
            pytest.fail(f"a process stopped early, waiting for {what}:\n{logs(processes.tmp_path)}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {timeout:g} s:\n{logs(processes.tmp_path)}")
        time.sleep(0.1)


# The recurring rounds every worker start makes sure of: forget_unconfirmed, milestones,
# retention, the fraud window, fraud alerts, digests, webhooks, the signature log, and the
# pruning of finished tasks.
ROUNDS = 9


@pytest.mark.postgres
@pytest.mark.redis
def test_two_servers_and_two_workers_on_postgresql_and_redis_count_and_mail_exactly(
    postgres_database: str,
    redis_database: redis.Redis,
    relay: Relay,
    processes: Processes,
    tmp_path: Path,
) -> None:
    env = environment(
        tmp_path,
        DATABASE_URL=postgres_database,
        REDIS_URL=REDIS_URL,
        EMAIL_URL=relay.url,
        DATABASE_CONN_MAX_AGE="0",  # nothing left connected when the database is dropped
    )
    versions = seed(env, LETTERS)
    servers = [processes.serve("web-a", env), processes.serve("web-b", env)]
    workers = [processes.start(name, ["worker", "--worker-id", name], env) for name in "ab"]
    wait_until_serving(servers)

    # Each signer signs through one server, alternately, and confirms through the other.
    signed_through: dict[str, int] = {}
    for number in range(SIGNERS):
        for slug in LETTERS:
            email = f"signer{number}.{slug}@example.org"
            through = (number + LETTERS.index(slug)) % 2
            assert servers[through].sign(slug, versions[slug], email) == 302
            signed_through[email] = through

    wait_until(lambda: len(relay.deliveries) >= len(signed_through), processes, "emails")
    for delivery in list(relay.deliveries):
        [email] = delivery.rcpt_tos
        link, _signature = delivery.confirmation_link()
        other = servers[1 - signed_through[email]]
        status, page = other.request("POST", confirmation_path(link))
        assert status == 200, page

    def counts() -> list[int]:
        return [server.count(slug) for server in servers for slug in LETTERS]

    wait_until(lambda: counts() == [SIGNERS] * 4, processes, "the counts")

    # The recurring rounds went to RQ: each started once, however many workers started,
    # its next round waiting in RQ's scheduler. Waited for before the reconcile process
    # starts: a process that has ended, as that one does, ends the waiting.
    wait_until(
        lambda: redis_database.zcard("rq:scheduled:default") == ROUNDS, processes, "rounds on RQ"
    )
    done = processes.start("reconcile", ["reconcile_counts", "--check"], env)
    assert done.wait(timeout=60) == 0, logs(tmp_path)
    processes.stop()
    assert [worker.returncode for worker in workers] == [0, 0]  # each stopped when asked

    recipients = Counter(rcpt for delivery in relay.deliveries for rcpt in delivery.rcpt_tos)
    assert recipients == Counter(signed_through.keys())  # one email each, none twice
    with psycopg.connect(postgres_database) as database:
        tasks = database.execute(
            SQL("SELECT status, count(*) FROM {} WHERE task_path = %s GROUP BY status").format(
                Identifier(DBTaskResult._meta.db_table)
            ),
            [send_confirmation.module_path],
        ).fetchall()
        rounds = database.execute(
            SQL("SELECT count(*) FROM {}").format(Identifier(RecurringRound._meta.db_table))
        ).fetchone()
    assert rounds == (ROUNDS,)
    assert tasks == [(TaskResultStatus.SUCCESSFUL, len(signed_through))]
    assert redis_database.zcard("rq:failed:default") == 0


def test_the_rate_limit_holds_across_two_server_processes_without_redis(
    processes: Processes, tmp_path: Path
) -> None:
    env = {**environment(tmp_path), "SIGNATURE_RATE_LIMIT": "5/h"}  # SQLite, no Redis
    versions = seed(env, ["drop-the-contract"])
    servers = [processes.serve("web-a", env), processes.serve("web-b", env)]
    wait_until_serving(servers)

    answers = [
        servers[number % 2].sign("drop-the-contract", versions["drop-the-contract"], email)
        for number, email in enumerate(f"signer{n}@example.org" for n in range(8))
    ]

    assert answers == [302] * 5 + [429] * 3


HITS = """
import os, sys
import django
django.setup()
from undersigned.lib.rate_limit import RateLimit
limit = RateLimit.parse("sign", "1000/d")  # a window no test run straddles
print(sum(limit.hit("198.51.100.7") for _ in range(int(sys.argv[1]))))
"""


def test_the_machine_cache_counts_every_hit_of_processes_at_once(tmp_path: Path) -> None:
    env = {**environment(tmp_path), "DJANGO_SETTINGS_MODULE": "undersigned.settings"}
    running = [
        subprocess.Popen(
            [sys.executable, "-c", HITS, "400"], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    within = [int(process.communicate(timeout=60)[0]) for process in running]

    assert sum(within) == 1000  # of 1,600 hits, the first 1,000 in the window, exactly
