"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1, over any store.

The tree hash of n entries is SHA-256 over a binary tree that splits at the largest power
of two smaller than n; a leaf hashes as H(0x00 || entry), a node as H(0x01 || left ||
right), and the empty tree as H("").

A log keeps only the hashes of its perfect subtrees: the complete subtree of 2**level
leaves that starts at leaf index * 2**level, addressed `(level, index)`; level 0 holds the
leaf hashes. Each is written once, when its last leaf is appended, and never changes.
Every other subtree the RFC's recursion reaches lies along the right edge of some tree
size: it starts at a multiple of a power of two larger than itself, and the binary digits
of its leaf count split it into perfect subtrees, largest first, whose hashes folded from
the right give its own. So a root or a proof of any size the log ever had is computed from
O(log n) stored hashes, read in one `Nodes.get_many`.

Appending needs only the log's frontier (the compact range): the roots of the perfect
subtrees along its right edge, one for each binary digit 1 of its size. Each leaf appended
completes one perfect subtree per trailing 1 of the old size, so a batch of b leaves costs
O(b + log n) hashes, and the frontier's hashes folded give the new root without a read.

The verifiers follow RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step, need nothing but
hashlib, and answer False (never raise) for a proof, a size or a hash that is malformed.
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# (level, index): the perfect subtree of the leaves [index * 2**level, (index + 1) * 2**level).
Key = tuple[int, int]


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Nodes(Protocol):
    """Where a log keeps the hashes of its perfect subtrees.

    `get_many` answers every key asked for (a missing one is a `KeyError`); a database
    answers it with one query, and every root and proof here asks it once.
    """

    def get(self, level: int, index: int) -> bytes: ...

    def get_many(self, keys: Sequence[Key]) -> Mapping[Key, bytes]: ...


class MemoryNodes:
    """`Nodes` in a dict, for tests and benchmarks."""

    def __init__(self) -> None:
        self.hashes: dict[Key, bytes] = {}

    def get(self, level: int, index: int) -> bytes:
        return self.hashes[(level, index)]

    def get_many(self, keys: Sequence[Key]) -> dict[Key, bytes]:
        return {key: self.hashes[key] for key in keys}

    def put_many(self, nodes: Mapping[Key, bytes]) -> None:
        self.hashes.update(nodes)


def _split(count: int) -> int:
    """The RFC's k for a subtree of `count` >= 2 leaves: the largest power of two below it."""
    return 1 << ((count - 1).bit_length() - 1)


def _perfect_parts(start: int, end: int) -> list[Key]:
    """The perfect subtrees that make up the RFC's subtree of the leaves [start, end),
    largest first: the subtree itself when it is perfect, otherwise one for each binary
    digit 1 of its leaf count."""
    keys = []
    while start < end:
        level = (end - start).bit_length() - 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def _fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a subtree from those of its perfect parts, largest first: each split of
    a right-edge subtree has a perfect left side and the rest on its right."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _subtree_hashes(ranges: Sequence[tuple[int, int]], nodes: Nodes) -> list[bytes]:
    """The hashes of the RFC's subtrees of leaves [start, end), from one read."""
    parts = [_perfect_parts(start, end) for start, end in ranges]
    found = nodes.get_many([key for keys in parts for key in keys])
    return [_fold([found[key] for key in keys]) for keys in parts]


def root(size: int, nodes: Nodes) -> bytes:
    """MTH(D[size]): the tree hash of the log's first `size` entries."""
    if size < 0:
        raise ValueError(f"a tree has no negative size: {size}")
    if size == 0:
        return EMPTY_ROOT
    return _subtree_hashes([(0, size)], nodes)[0]


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes PATH(index, D[size]) lists, in its order: the
    sibling of the leaf first, the sibling of the root's child last."""
    ranges = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, nodes: Nodes) -> list[bytes]:
    """PATH(index, D[size]), RFC 9162 2.1.3.1: the audit path of entry `index` in the
    tree of the first `size` entries."""
    if not 0 <= index < size:
        raise ValueError(f"no entry {index} in a tree of {size}")
    return _subtree_hashes(_inclusion_ranges(index, size), nodes)


def _consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes PROOF(old_size, D[new_size]) lists, in its order.

    SUBPROOF(m, D[start:end], b) walks down from the whole tree with `old_size` (the
    RFC's m counted from leaf 0) inside [start, end), noting the sibling it leaves at each
    step; it stops at the subtree that ends where the old tree ends, which it lists too
    unless that subtree is the old tree itself (b still true: it never went right).
    """
    ranges = []
    start, end = 0, new_size
    whole_old_tree = True
    while old_size < end:
        k = _split(end - start)
        if old_size <= start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            whole_old_tree = False
    if not whole_old_tree:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def consistency_proof(old_size: int, new_size: int, nodes: Nodes) -> list[bytes]:
    """PROOF(old_size, D[new_size]), RFC 9162 2.1.4.1: the hashes that show the tree of
    `new_size` entries begins with the tree of `old_size`. Empty when there is nothing to
    prove: from the empty tree, or between equal sizes."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency from {old_size} to {new_size}")
    if old_size == 0:
        return []
    return _subtree_hashes(_consistency_ranges(old_size, new_size), nodes)


@dataclass(frozen=True)
class Frontier:
    """A log's compact range: its size, and the hashes of the perfect subtrees along its
    right edge, largest (leftmost) first, one for each binary digit 1 of the size."""

    size: int = 0
    hashes: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class Appended:
    """What appending made: the new frontier, and the perfect subtrees that appending
    completed, by (level, index), for the store. Each level's keys come in increasing
    order, following on from what that level held."""

    frontier: Frontier
    nodes: dict[Key, bytes] = field(default_factory=dict)


def frontier_read(size: int, nodes: Nodes) -> Frontier:
    """The frontier of a stored log of `size` entries, from one read of O(log size) nodes."""
    if size < 0:
        raise ValueError(f"a tree has no negative size: {size}")
    keys = _perfect_parts(0, size)
    found = nodes.get_many(keys)
    return Frontier(size, tuple(found[key] for key in keys))


def frontier_append(frontier: Frontier, leaf_hashes: Iterable[bytes]) -> Appended:
    """Append leaves (their `leaf_hash`es) to the log whose frontier this is."""
    stack = list(frontier.hashes)
    size = frontier.size
    completed: dict[Key, bytes] = {}
    for hash_ in leaf_hashes:
        if len(hash_) != HASH_SIZE:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes, not {len(hash_)}")
        level, index = 0, size
        completed[(0, index)] = hash_
        # A right child completes its parent; the left child is the frontier's smallest.
        while index & 1:
            hash_ = node_hash(stack.pop(), hash_)
            level, index = level + 1, index >> 1
            completed[(level, index)] = hash_
        stack.append(hash_)
        size += 1
    return Appended(Frontier(size, tuple(stack)), completed)


def root_from_frontier(frontier: Frontier) -> bytes:
    """MTH(D[size]) of the log whose frontier this is, without reading the store."""
    return _fold(frontier.hashes) if frontier.hashes else EMPTY_ROOT


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _are_hashes(values: object) -> bool:
    return isinstance(values, Sequence) and all(_is_hash(value) for value in values)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` shows the leaf hash at `index` in the tree of `size` entries whose
    root is `root`, RFC 9162 2.1.3.2."""
    well_formed = _is_hash(leaf_hash) and _is_hash(root) and _are_hashes(proof)
    if not (well_formed and _is_size(index) and _is_size(size)) or index >= size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree of `new_size` entries with root `new_root` begins
    with the tree of `old_size` with root `old_root`, RFC 9162 2.1.4.2.

    The RFC's algorithm is for 0 < old_size < new_size. Equal sizes are consistent when
    their roots are equal and the proof is empty; the empty tree is consistent with every
    tree, by an empty proof, when its root is the empty tree's.
    """
    well_formed = _is_hash(old_root) and _is_hash(new_root) and _are_hashes(proof)
    if not (well_formed and _is_size(old_size) and _is_size(new_size)):
        return False
    if old_size > new_size or (old_size == 0 and old_root != EMPTY_ROOT):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0
