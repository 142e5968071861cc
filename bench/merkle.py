"""What the signature log's Merkle tree (lib/merkle.py) costs at ten million entries.

Builds a log of `--entries` synthetic 100-byte entries in batches of 10,000, then appends
batches of 100 and of 1 on top of it, and prints the cost an entry of each (the leaf hash,
`frontier_append` and storing the nodes it completed). Then it times `--proofs` random
inclusion and consistency proofs, and their verification, at the log's full size and at
earlier sizes, with the nodes each read from the store and how many reads that took.

The nodes live in the bench's own store, a bytearray of 32-byte hashes per level (some
640 MB for ten million entries, where a dict of them would take several GB). `--sqlite`
also copies them into a SQLite table `node (level, idx, hash)` in a temporary file and
times the same proofs reading it, one query a proof. No Django, no site, no server.

    uv run python bench/merkle.py [--entries 10000000] [--proofs 1000] [--sqlite]
"""

import argparse
import os
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from harness import machine_note, print_table
from undersigned.lib.merkle import (
    HASH_SIZE,
    Frontier,
    Key,
    Nodes,
    consistency_proof,
    frontier_append,
    frontier_read,
    inclusion_proof,
    leaf_hash,
    root,
    root_from_frontier,
    verify_consistency,
    verify_inclusion,
)

FILLER = bytes(range(92))  # an entry: its number and 92 bytes, the size of a real one


def entry(number: int) -> bytes:
    return number.to_bytes(8, "big") + FILLER


@dataclass
class Reads:
    """How much a store was asked: calls to get_many, and the keys they named."""

    calls: int = 0
    keys: int = 0


class LevelStore:
    """Nodes as one bytearray of hashes per level; each level only ever grows at its end,
    which is how `frontier_append` completes them."""

    def __init__(self) -> None:
        self.levels: list[bytearray] = []
        self.reads = Reads()

    def put_many(self, nodes: Mapping[Key, bytes]) -> None:
        for (level, index), hash_ in nodes.items():
            if level == len(self.levels):
                self.levels.append(bytearray())
            hashes = self.levels[level]
            if len(hashes) != index * HASH_SIZE:
                raise ValueError(f"node {(level, index)} is not the next of its level")
            hashes += hash_

    def get(self, level: int, index: int) -> bytes:
        start = index * HASH_SIZE
        found = bytes(self.levels[level][start : start + HASH_SIZE])
        if len(found) != HASH_SIZE:
            raise KeyError((level, index))
        return found

    def get_many(self, keys: Sequence[Key]) -> dict[Key, bytes]:
        self.reads.calls += 1
        self.reads.keys += len(keys)
        return {key: self.get(*key) for key in keys}

    def nbytes(self) -> int:
        return sum(len(hashes) for hashes in self.levels)


class SqliteNodes:
    """Nodes in a table, one query for any number of keys (what the database store does)."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path)
        self.reads = Reads()

    def get(self, level: int, index: int) -> bytes:
        return self.get_many([(level, index)])[(level, index)]

    def get_many(self, keys: Sequence[Key]) -> dict[Key, bytes]:
        self.reads.calls += 1
        self.reads.keys += len(keys)
        where = " OR ".join(["(level = ? AND idx = ?)"] * len(keys))
        params = [number for key in keys for number in key]
        query = f"SELECT level, idx, hash FROM node WHERE {where}"  # noqa: S608 # nosec B608
        rows = self.connection.execute(query, params)  # the query holds only placeholders
        found = {(level, index): hash_ for level, index, hash_ in rows}
        missing = [key for key in keys if key not in found]
        if missing:
            raise KeyError(missing[0])
        return found


def sqlite_copy(store: LevelStore, path: Path) -> tuple[int, float]:
    """Copy every node into a new table at `path`; (rows, seconds)."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = OFF")  # a throwaway copy, loaded once
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute(
        "CREATE TABLE node (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
        " PRIMARY KEY (level, idx)) WITHOUT ROWID"
    )
    rows = (
        (level, index, bytes(hashes[index * HASH_SIZE : (index + 1) * HASH_SIZE]))
        for level, hashes in enumerate(store.levels)
        for index in range(len(hashes) // HASH_SIZE)
    )
    started = time.perf_counter()
    with connection:
        connection.executemany("INSERT INTO node VALUES (?, ?, ?)", rows)
    seconds = time.perf_counter() - started
    count = connection.execute("SELECT count(*) FROM node").fetchone()[0]
    connection.close()
    return count, seconds


@dataclass
class Appends:
    entries: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    nodes: int = 0


def append_batches(
    frontier: Frontier, store: LevelStore, batch: int, total: int
) -> tuple[Frontier, Appends]:
    """Append `total` entries in batches of `batch`, timing only the append (the entries
    are made before the clock starts)."""
    cost = Appends()
    while cost.entries < total:
        size = min(batch, total - cost.entries)
        entries = [entry(frontier.size + i) for i in range(size)]
        started, cpu_started = time.perf_counter(), time.process_time()
        appended = frontier_append(frontier, [leaf_hash(e) for e in entries])
        store.put_many(appended.nodes)
        cost.seconds += time.perf_counter() - started
        cost.cpu += time.process_time() - cpu_started
        frontier = appended.frontier
        cost.entries += size
        cost.nodes += len(appended.nodes)
    return frontier, cost


@dataclass
class Timed:
    micros: list[float] = field(default_factory=list)
    cpu_micros: list[float] = field(default_factory=list)
    keys: list[int] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    passed: int = 0


def timed(runs: Sequence[Callable[[], object]], reads: Reads | None) -> Timed:
    result = Timed()
    for run in runs:
        calls, keys = (reads.calls, reads.keys) if reads else (0, 0)
        started, cpu_started = time.perf_counter(), time.process_time()
        outcome = run()
        result.cpu_micros.append((time.process_time() - cpu_started) * 1e6)
        result.micros.append((time.perf_counter() - started) * 1e6)
        if reads:
            result.calls.append(reads.calls - calls)
            result.keys.append(reads.keys - keys)
        result.passed += outcome is True
    return result


def proof_rows(
    label: str, size: int, nodes: Nodes, reads: Reads, proofs: int, seed: int
) -> list[list[str]]:
    rnd = random.Random(seed)
    indexes = [rnd.randrange(size) for _ in range(proofs)]
    earlier = [rnd.randint(1, size) for _ in range(proofs)]
    earlier_indexes = [(rnd.randrange(n), n) for n in earlier]
    olds = [rnd.randint(1, size) for _ in range(proofs)]
    pairs = [sorted((rnd.randint(1, size), rnd.randint(1, size))) for _ in range(proofs)]
    measures: dict[str, Sequence[Callable[[], object]]] = {
        f"inclusion proof, size {size:,}": [
            partial(inclusion_proof, i, size, nodes) for i in indexes
        ],
        "inclusion proof, an earlier size": [
            partial(inclusion_proof, i, n, nodes) for i, n in earlier_indexes
        ],
        f"consistency proof, old -> {size:,}": [
            partial(consistency_proof, old, size, nodes) for old in olds
        ],
        "consistency proof, two earlier sizes": [
            partial(consistency_proof, a, b, nodes) for a, b in pairs
        ],
        "root of an earlier size": [partial(root, n, nodes) for n in earlier],
        f"frontier_read({size:,})": [partial(frontier_read, size, nodes)] * 20,
    }
    rows = []
    for name, runs in measures.items():
        t = timed(runs, reads)
        rows.append([label, name, *stats(t), f"{mean(t.keys)} / {max(t.keys)}", mean(t.calls), ""])
    if label != "memory":
        return rows
    head = root(size, nodes)
    verifications: dict[str, Sequence[Callable[[], object]]] = {
        "verify_inclusion": [
            partial(
                verify_inclusion,
                leaf_hash(entry(i)),
                i,
                size,
                inclusion_proof(i, size, nodes),
                head,
            )
            for i in indexes
        ],
        "verify_consistency": [
            partial(
                verify_consistency,
                old,
                size,
                root(old, nodes),
                head,
                consistency_proof(old, size, nodes),
            )
            for old in olds
        ],
    }
    for name, runs in verifications.items():
        t = timed(runs, None)
        rows.append(["", name, *stats(t), "", "", f"{t.passed:,}/{len(runs):,}"])
    return rows


def stats(t: Timed) -> list[str]:
    """Runs, wall µs (median, mean) and CPU µs (mean): on a busy machine the median and
    the CPU time move least."""
    return [
        f"{len(t.micros):,}",
        f"{statistics.median(t.micros):.1f}",
        f"{statistics.fmean(t.micros):.1f}",
        f"{statistics.fmean(t.cpu_micros):.1f}",
    ]


def mean(values: list[int]) -> str:
    return f"{statistics.fmean(values):.1f}" if values else ""


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--proofs", type=int, default=1_000)
    parser.add_argument("--sqlite", action="store_true", help="also read proofs from SQLite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(machine_note())
    print(f"{args.entries:,} entries of {len(entry(0))} bytes")

    store = LevelStore()
    frontier, bulk = append_batches(Frontier(), store, 10_000, args.entries)
    frontier, hundreds = append_batches(frontier, store, 100, 20_000)
    frontier, ones = append_batches(frontier, store, 1, 20_000)
    size = frontier.size
    print()
    print_table(
        ["append", "entries", "µs/entry", "CPU µs/entry", "nodes stored/entry"],
        [
            [f"batches of {batch:,}", f"{cost.entries:,}",
             f"{cost.seconds / cost.entries * 1e6:.2f}", f"{cost.cpu / cost.entries * 1e6:.2f}",
             f"{cost.nodes / cost.entries:.3f}"]
            for batch, cost in [(10_000, bulk), (100, hundreds), (1, ones)]
        ],
    )  # fmt: skip
    print(
        f"\nlog of {size:,} entries: {store.nbytes() / 2**20:,.0f} MiB of node hashes in"
        f" {len(store.levels)} levels, root {root_from_frontier(frontier).hex()[:16]}…,"
        f" peak RSS {peak_rss_mib():,.0f} MiB"
    )

    rows = proof_rows("memory", size, store, store.reads, args.proofs, args.seed)
    if args.sqlite:
        with tempfile.TemporaryDirectory(prefix="undersigned-bench-merkle-") as directory:
            path = Path(directory) / "nodes.sqlite3"
            count, seconds = sqlite_copy(store, path)
            print(
                f"SQLite copy: {count:,} rows in {seconds:.1f} s ({count / seconds:,.0f} rows/s),"
                f" {os.path.getsize(path) / 2**20:,.0f} MiB"
                f" ({os.path.getsize(path) / size:.0f} bytes an entry)"
            )
            sqlite = SqliteNodes(path)
            rows += proof_rows("SQLite", size, sqlite, sqlite.reads, args.proofs, args.seed)
            sqlite.connection.close()
    print()
    print_table(
        ["store", "operation", "runs", "µs median", "µs mean", "CPU µs mean",
         "nodes read mean / max", "reads/op", "verified"],
        rows,
    )  # fmt: skip


if __name__ == "__main__":
    main()
