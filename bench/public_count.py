"""What a letter's public count costs to read: the verified count, the institutions breakdown,
and the fresh read that decides whether names may show.

Builds a letter with many verified signatures spread over many institutions, in a
throwaway site (SQLite, or PostgreSQL with DATABASE_URL), and times each read in this
process with the cache bypassed, then the public pages that show them.

    uv run python bench/public_count.py [--signatures 100000] [--institutions 600]
"""

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from harness import machine_note, print_table, site_create


def timed(work: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatures", type=int, default=100_000)
    parser.add_argument("--institutions", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    site = site_create()
    os.environ.update(site.env)
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from undersigned.letters.models import Eligibility, Letter
    from undersigned.letters.publishing import letter_publish
    from undersigned.lib.email_address import email_key
    from undersigned.signing.counts import letter_count_fresh
    from undersigned.signing.events import events_record
    from undersigned.signing.models import EventKind, Level, Signature, State
    from undersigned.signing.public_count import public_count

    demo = Letter.objects.get(slug="academics-pledge-autonomous-weapons")
    letter = Letter.objects.create(
        organisation=demo.organisation,
        slug="bench-public-count",
        title="A heavy letter",
        body="Signed by many.",
        eligibility=Eligibility.ACADEMIC,
        reveal_threshold=args.signatures // 2,
    )
    letter.targets.create(name="The Ministry")
    letter_publish(letter=letter)
    version = letter.versions.get()
    started = time.perf_counter()
    confirmed = timezone.now() - timedelta(seconds=args.signatures)
    batch = 5_000
    with transaction.atomic():
        for first in range(0, args.signatures, batch):
            rows = [
                Signature(
                    letter=letter,
                    letter_version=version,
                    name=f"Signer {n}",
                    email_key=email_key(f"signer{n}@u{n % args.institutions}.edu"),
                    email_domain=f"u{n % args.institutions}.edu",
                    institution=f"University {n % args.institutions:04d}",
                    display="full",
                    level=Level.VERIFIED,
                    state=State.COUNTED,
                    confirmed_at=confirmed + timedelta(seconds=n),  # as confirming leaves it
                )
                for n in range(first, min(first + batch, args.signatures))
            ]
            saved = Signature.objects.bulk_create(rows)
            events_record(letter.pk, [(signature, EventKind.VERIFIED, 1) for signature in saved])
    if connection.vendor == "postgresql":  # as autovacuum would soon after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"Created {args.signatures:,} verified signatures over {args.institutions} "
        f"institutions in {time.perf_counter() - started:.0f} s on {site.database}."
    )

    def public_count_uncached() -> object:
        cache.clear()
        return public_count(letter)

    client = Client(HTTP_HOST="localhost")

    def page(path: str) -> Callable[[], object]:
        def get() -> object:
            cache.clear()
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return get

    base = f"/letters/{letter.slug}"
    reads = [
        ("letter_count_fresh (16 shard rows)", lambda: letter_count_fresh(letter.pk)),
        ("public_count, cache cleared", public_count_uncached),
        ("letter page, cache cleared", page(f"{base}/")),
        ("signatures page, newest first", page(f"{base}/signatures/")),
        ("signatures page, by institution", page(f"{base}/signatures/?by=institution")),
        (
            "signatures page, one institution",
            page(f"{base}/signatures/?institution=University%200007"),
        ),
        ("API detail, cache cleared", page(f"/api/v1/letters/{letter.slug}/")),
    ]
    rows = []
    for name, work in reads:
        times = timed(work, args.repeat)
        rows.append([name, f"{statistics.median(times):.1f}", f"{times[-1]:.1f}"])
    print_table(["read", "median ms", "max ms"], rows)
    print(machine_note())


if __name__ == "__main__":
    main()
