"""With Redis configured, every web process shares one set of rate limits and cached counts."""

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import environ
import pytest
import redis
from django.core.cache import caches
from django.db import connections

from tests.conftest import port_open, skip_unless
from tests.processes import settings_of_another_process
from undersigned.letters.models import Letter
from undersigned.lib.rate_limit import RateLimit
from undersigned.signing.counts import counts_reconcile, letter_count
from undersigned.signing.signatures import SignatureInput, signature_confirm, signature_create

REDIS_URL = "redis://127.0.0.1:6379/15"
T = TypeVar("T")


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    skip_unless(port_open("127.0.0.1", 6379), "Redis is not running at 127.0.0.1:6379")
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def redis_cache(settings: Any, redis_client: redis.Redis) -> Iterator[str]:
    """The cache settings.py builds from REDIS_URL, under a key prefix only this test uses."""
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {**environ.Env.cache_url_config(REDIS_URL), "KEY_PREFIX": prefix}}
    yield prefix
    ours = list(redis_client.scan_iter(match=f"{prefix}:*"))
    if ours:
        redis_client.delete(*ours)


def as_two_web_processes(work: Callable[[], T]) -> list[tuple[T, int]]:
    """Run work() at once in two threads, each with its own cache client and connections.

    Returns each result with the identity of the cache client that served it.
    """
    start = threading.Barrier(2)

    def run(_: int) -> tuple[T, int]:
        try:
            start.wait(timeout=30)
            return work(), id(caches["default"])
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(run, range(2)))


def test_it_counts_a_rate_limit_across_web_processes(
    redis_cache: str, redis_client: redis.Redis
) -> None:
    limit = RateLimit.parse("sign", "30/h")

    results = as_two_web_processes(lambda: [limit.hit("198.51.100.7") for _ in range(25)])

    (first, first_client), (second, second_client) = results
    assert first_client != second_client
    assert first.count(True) + second.count(True) == 30
    assert limit.hit("198.51.100.7") is False
    assert limit.hit("203.0.113.9") is True
    [key] = redis_client.keys(f"{redis_cache}:*:rl:sign:198.51.100.7:*")
    assert int(redis_client.get(key)) == 51


@pytest.mark.django_db(transaction=True)  # the other thread reads what this one committed
def test_it_serves_every_web_process_the_same_cached_count(
    redis_cache: str, redis_client: redis.Redis, petition: Letter, settings: Any
) -> None:
    settings.COUNT_CACHE_SECONDS = 60
    assert letter_count(petition.pk).total == 0
    signature = signature_create(
        letter=petition,
        data=SignatureInput(
            name="Suzie Signer", email="suzie@example.org", display="full", consent_updates=False
        ),
    )
    signature_confirm(signature_id=signature.pk)

    # Both read the count cached a moment ago, not the database, which already says 1.
    read = as_two_web_processes(lambda: letter_count(petition.pk).total)
    assert [count for count, _ in read] == [0, 0]
    [key] = redis_client.keys(f"{redis_cache}:*:count:{petition.pk}")
    assert 0 < redis_client.ttl(key) <= 60

    counts_reconcile(repair=False)  # proving the count drops the cached value everywhere
    read = as_two_web_processes(lambda: letter_count(petition.pk).total)
    assert [count for count, _ in read] == [1, 1]


@pytest.mark.parametrize(
    ("environment", "backend", "location"),
    [
        ({"REDIS_URL": REDIS_URL}, "django.core.cache.backends.redis.RedisCache", REDIS_URL),
        (
            {"REDIS_URL": REDIS_URL, "CACHE_URL": "locmemcache://"},
            "django.core.cache.backends.locmem.LocMemCache",
            "",
        ),
        ({}, "undersigned.lib.rate_limit.MachineCache", "{data}/cache"),
    ],
    ids=["redis-url", "cache-url-wins", "neither"],
)
def test_it_builds_the_cache_from_the_environment(
    tmp_path: Path, environment: dict[str, str], backend: str, location: str | None
) -> None:
    # As an operator starts it: not under pytest, which gives each test run a cache of its own.
    with mock.patch.dict(os.environ):
        os.environ.pop("PYTEST_VERSION", None)
        read = settings_of_another_process(tmp_path, ["CACHES"], **environment)
    [cache] = read["CACHES"].values()
    assert cache["BACKEND"] == backend
    assert cache.get("LOCATION") == (location and location.format(data=tmp_path.resolve()))


def test_a_test_run_gets_a_cache_of_its_own(tmp_path: Path) -> None:
    [cache] = settings_of_another_process(tmp_path, ["CACHES"])["CACHES"].values()
    assert Path(cache["LOCATION"]).name.startswith("test-cache-")


@pytest.mark.parametrize(
    ("environment", "aliases", "recurring"),
    [({"REDIS_URL": REDIS_URL}, ["default", "rq"], "rq"), ({}, ["default"], "default")],
    ids=["redis-url", "none"],
)
def test_it_keeps_the_outbox_in_the_database_and_the_rounds_on_rq_with_redis(
    tmp_path: Path, environment: dict[str, str], aliases: list[str], recurring: str
) -> None:
    names = ["TASKS", "RECURRING_TASK_BACKEND", "INSTALLED_APPS"]
    read = settings_of_another_process(tmp_path, names, **environment)
    assert sorted(read["TASKS"]) == aliases
    assert read["TASKS"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert read["RECURRING_TASK_BACKEND"] == recurring
    assert ("django_rq" in read["INSTALLED_APPS"]) == ("rq" in aliases)
    if "rq" in aliases:
        assert read["TASKS"]["rq"]["BACKEND"] == "django_tasks_rq.RQBackend"
