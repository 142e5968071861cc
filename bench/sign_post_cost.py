"""What one sign POST costs in-process, through the whole middleware and the sign view.

    uv run python bench/sign_post_cost.py [LABEL]
    PYTHONPATH=/path/to/another/checkout/src uv run python bench/sign_post_cost.py before

A throwaway SQLite data directory, one published letter, and 450 sign POSTs through
Django's test client in one thread (the first 50 warm up). The limits are out of reach and
only the honeypot rule is in force, as in bench/harness.py, so the tallies run on every
POST and none is refused. It prints the mean milliseconds a POST.
"""

import os
import sys
import tempfile
import time

os.environ.update(
    UNDERSIGNED_DATA_DIR=tempfile.mkdtemp(prefix="undersigned-bench-"),
    DJANGO_SETTINGS_MODULE="undersigned.settings",
    SIGNATURE_RATE_LIMIT="1000000/h",
    SUBNET_RATE_LIMIT="1000000000/h",
    LETTER_RATE_LIMIT="1000000000/m",
    DOMAIN_RATE_LIMIT="1000000000/h",
    SUSPECT_RULES="honeypot",
    LOG_LEVEL="WARNING",
)

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from undersigned.letters.models import Letter, Target  # noqa: E402
from undersigned.letters.publishing import letter_publish  # noqa: E402
from undersigned.organisations.models import Organisation  # noqa: E402

POSTS = 400


def main() -> None:
    call_command("migrate", verbosity=0)
    organisation = Organisation.objects.create(name="Bench", slug="bench")
    letter = Letter.objects.create(organisation=organisation, slug="l", title="t", body="b")
    Target.objects.create(letter=letter, name="X", role="CEO", organisation="Y")
    letter_publish(letter=letter)
    client = Client()

    def sign(count: int, first: int) -> None:
        for n in range(first, first + count):
            answer = client.post(
                "/letters/l/sign/",
                {"name": "A Signer", "email": f"s{n}@example.org", "display": "full"},
                HTTP_ORIGIN="http://127.0.0.1:8000",
                HTTP_HOST="127.0.0.1:8000",
            )
            assert answer.status_code == 302, answer.status_code

    sign(50, 0)
    began = time.perf_counter()
    sign(POSTS, 1000)
    elapsed = time.perf_counter() - began
    label = sys.argv[1] if len(sys.argv) > 1 else "this checkout"
    print(f"{label}: {elapsed / POSTS * 1000:.2f} ms a sign POST (in-process, one thread)")


if __name__ == "__main__":
    main()
