"""What a delivery PDF of a big letter costs to build: seconds, peak memory and file size.

Builds the PDF of a letter with many synthetic signatories (`--signatures`) in eight scripts,
some with comments, grouped under `--institutions` headings and streamed from a generator,
as the worker does, into a temporary file. Each build runs in a fresh process, so its peak
RSS (ru_maxrss) is its own; the RSS before the build (Python, Django and fpdf2 imported) is
printed beside it. CPU seconds (user and system) are what a busy machine disturbs least.

    uv run python bench/delivery_pdf.py [--signatures 100000] [--institutions 200] [--repeat 1]
"""

import argparse
import datetime
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from harness import machine_note, print_table

# (given names, family names, share of signatories)
SCRIPTS = {
    "Latin": (
        ["Zoë", "José", "Łukasz", "Søren", "Amélie", "Nguyễn", "Chloé", "Jürgen", "Ana", "Ola"],
        ["Ñúñez-Åberg", "Dvořák", "Müller", "Smith", "García", "Kowalski", "Ødegård", "Okafor"],
        55,
    ),
    "Greek": (["Αλέξανδρος", "Μαρία", "Γιώργος"], ["Παπαδόπουλος", "Οικονόμου"], 5),
    "Cyrillic": (["Юлия", "Иван", "Олена"], ["Кузнецова", "Петров", "Шевченко"], 10),
    "Arabic": (["فاطمة", "محمد", "ليلى"], ["الزهراء", "عبد الله", "حسن"], 10),
    "Hebrew": (["נועה", "דוד", "מיכל"], ["כהן", "לוי", "מזרחי"], 5),
    "Chinese": (["秀英", "伟", "娜"], ["王", "李", "张"], 7),
    "Japanese": (["花子", "太郎", "さくら"], ["佐藤", "鈴木", "高橋"], 4),
    "Korean": (["민준", "서연", "지훈"], ["김", "이", "박"], 4),
}
PLACES = ["Université de Genève", "Τεχνικό Πανεπιστήμιο", "Московский университет",
          "جامعة القاهرة", "האוניברסיטה העברית", "北京大学", "東京大学", "서울대학교",
          "Stanford University", "ETH Zürich"]  # fmt: skip
COMMENTS = ["Because it matters.", "لأن الحرية حق للجميع", "平和のために", "Потому что это важно.",
            "Wir haben keine Zeit mehr zu verlieren; jetzt handeln."]  # fmt: skip


def signatories(count: int, institutions: int, seed: int) -> Iterator[tuple[str, Iterator]]:
    """(institution, signatories) groups, made as they are read, never held in a list."""
    from undersigned.signing.presentation import Signatory

    rnd = random.Random(seed)
    scripts = list(SCRIPTS.values())
    weights = [share for _, _, share in scripts]

    def group(name: str, size: int) -> Iterator[Signatory]:
        for _ in range(size):
            given, family, _share = rnd.choices(scripts, weights)[0]
            verified = rnd.random() < 0.6
            yield Signatory(
                name=f"{rnd.choice(given)} {rnd.choice(family)}",
                level="Verified" if verified else "Confirmed",
                verified=verified,
                verification=f"Verified · {name}" if verified else "",
                institution=name if verified else "",
                claimed_affiliation="" if verified or rnd.random() < 0.7 else rnd.choice(PLACES),
                title=rnd.choice(["", "", "Professor", "Lecturer", "Researcher"]),
                department=rnd.choice(["", "", "Engineering", "Physics", "Law"]),
                location=rnd.choice(["", "", "", "Geneva", "Cairo", "Tokyo"]),
                comment=rnd.choice(COMMENTS) if rnd.random() < 0.08 else "",
            )

    base, extra = divmod(count, institutions)
    for number in range(institutions):
        name = f"{PLACES[number % len(PLACES)]} {number + 1}"
        yield name, group(name, base + (number < extra))


def child(count: int, institutions: int) -> None:
    """Build one PDF in this fresh process and print what it cost, as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    os.environ.setdefault("UNDERSIGNED_DATA_DIR", tempfile.mkdtemp(prefix="undersigned-bench-"))
    import django

    django.setup()
    from undersigned.deliveries.pdf import DeliveryDocument, pdf_write

    document = DeliveryDocument(
        title="Drop the camera contract",
        targets=["Satya Nadella, CEO, Microsoft", "Brad Smith, President, Microsoft"],
        organisation="Center for Media Justice",
        body="We, the *undersigned*, ask you to **end** the contract.\n\n- One\n- Two\n",
        demands=["End the contract.", "Publish its terms."],
        pledge="We will not work on it.",
        delivered_on=datetime.date(2026, 3, 3),
        version_number=3,
        version_hash="9f" * 32,
        counts=[("Signatures", f"{count:,}"), ("Verified", f"{count * 6 // 10:,}")],
        names_shown=True,
        groups=signatories(count, institutions, seed=1),
    )
    before = rss_now_kb()
    with tempfile.TemporaryFile() as out:
        started, cpu_started = time.perf_counter(), cpu_seconds()
        pdf_write(document, out)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = out.tell()
        out.seek(0)
        pages = len(re.findall(rb"/Type\s*/Page\b", out.read()))
    cost = dict(seconds=seconds, cpu=cpu, before=before, peak=peak, size=size, pages=pages)
    print(json.dumps(cost))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_now_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatures", type=int, default=100_000)
    parser.add_argument("--institutions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.signatures, args.institutions)
        return

    note = machine_note()
    rows = []
    for run in range(1, args.repeat + 1):
        sizes = ["--signatures", str(args.signatures), "--institutions", str(args.institutions)]
        command = [sys.executable, __file__, "--child", *sizes]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.splitlines()[-1])
        rows.append([
            str(run),
            f"{result['seconds']:.1f}",
            f"{result['cpu']:.1f}",
            f"{result['before'] / 1024:.0f}",
            f"{result['peak'] / 1024:.0f}",
            f"{result['size'] / 1024 / 1024:.1f}",
            f"{result['pages']:,}",
        ])  # fmt: skip
    print(f"{args.signatures:,} signatories under {args.institutions} headings")
    headers = ["run", "seconds", "CPU s", "RSS before MiB", "peak RSS MiB", "file MiB", "pages"]
    print_table(headers, rows)
    print(note)


if __name__ == "__main__":
    main()
