"""The Merkle tree of RFC 9162 (lib/merkle.py) against the RFC's own definitions.

The reference below is the RFC's recursive MTH, PATH and PROOF/SUBPROOF over a list of
entries, written again here with hashlib alone: it shares no code with lib/merkle.py,
which stores perfect subtrees and computes the rest. Entries in a log are distinct (each
holds a salted commitment), so the strategies draw distinct entries.
"""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from undersigned.lib.merkle import (
    EMPTY_ROOT,
    Appended,
    Frontier,
    MemoryNodes,
    consistency_proof,
    frontier_append,
    frontier_read,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    root_from_frontier,
    verify_consistency,
    verify_inclusion,
)

# --- The reference: RFC 9162 section 2.1, as written -------------------------------------


def ref_leaf(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def ref_split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return ref_leaf(d[0])
    k = ref_split(n)
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = ref_split(n)
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = ref_split(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


# --- Logs built with lib/merkle.py -------------------------------------------------------


def log_of(entries: list[bytes], batch: int = 1) -> tuple[MemoryNodes, Frontier]:
    nodes, frontier = MemoryNodes(), Frontier()
    for start in range(0, len(entries), batch):
        appended = frontier_append(frontier, [leaf_hash(e) for e in entries[start : start + batch]])
        nodes.put_many(appended.nodes)
        frontier = appended.frontier
    return nodes, frontier


class CountingNodes:
    """A store that says how often it was read, and which keys."""

    def __init__(self, nodes: MemoryNodes) -> None:
        self.nodes = nodes
        self.reads: list[list[tuple[int, int]]] = []

    def get(self, level: int, index: int) -> bytes:
        self.reads.append([(level, index)])
        return self.nodes.get(level, index)

    def get_many(self, keys):
        self.reads.append(list(keys))
        return self.nodes.get_many(keys)


def entries_of(count: int) -> list[bytes]:
    return [b"entry %d" % i for i in range(count)]


ENTRIES = st.lists(st.binary(max_size=12), min_size=1, max_size=70, unique=True)
BIG = entries_of(2_100)
BIG_LOG, BIG_FRONTIER = log_of(BIG, batch=97)
HASH = st.binary(min_size=32, max_size=32)


# --- The known answers of RFC 6962's test tree --------------------------------------------
# The eight leaves, the roots of their first 0..8 and the proofs that the certificate-
# transparency C++ and Go implementations test against (transparency-dev/merkle,
# proof/verify_test.go); there the leaf of a proof is counted from 1, here from 0.

CT_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
             "5051525354555657", "606162636465666768696a6b6c6d6e6f")]  # fmt: skip
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]  # fmt: skip
CT_CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def flipped(hash_: bytes) -> bytes:
    return bytes([hash_[0] ^ 16]) + hash_[1:]


def test_it_hashes_as_rfc_6962s_test_tree():
    nodes, _ = log_of(CT_LEAVES)
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    assert [root(size, nodes).hex() for size in range(9)] == CT_ROOTS
    assert [ref_mth(CT_LEAVES[:size]).hex() for size in range(9)] == CT_ROOTS


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_it_gives_and_verifies_the_known_inclusion_proofs(index, size, path):
    nodes, _ = log_of(CT_LEAVES)
    proof = [bytes.fromhex(h) for h in path]
    leaf, head = leaf_hash(CT_LEAVES[index]), bytes.fromhex(CT_ROOTS[size])
    assert inclusion_proof(index, size, nodes) == proof
    assert verify_inclusion(leaf, index, size, proof, head)
    # The corruptions transparency-dev/merkle's verifier must refuse for these proofs.
    wrong = [
        (leaf, index - 1, size, proof, head),
        (leaf, index + 1, size, proof, head),
        (leaf, index ^ 2, size, proof, head),
        (leaf, index, size * 2, proof, head),
        (leaf, index, size // 2, proof, head),
        (leaf_hash(b"WrongLeaf"), index, size, proof, head),
        (leaf, index, size, proof, EMPTY_ROOT),
        (leaf, index, size, proof, SOME_HASH),
        (leaf, index, size, [*proof, b""], head),
        (leaf, index, size, [*proof, head], head),
        (leaf, index, size, [b"", *proof], head),
        (leaf, index, size, [head, *proof], head),
        *[(leaf, index, size, [*proof[:i], flipped(proof[i]), *proof[i + 1 :]], head)
          for i in range(len(proof))],
    ]  # fmt: skip
    if proof:
        wrong.append((leaf, index, size, proof[:-1], head))
    if len(proof) > 1:
        wrong.append((leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], head))
    assert [args for args in wrong if verify_inclusion(*args)] == []


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_it_gives_and_verifies_the_known_consistency_proofs(old, new, path):
    nodes, _ = log_of(CT_LEAVES)
    proof = [bytes.fromhex(h) for h in path]
    old_root, new_root = bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new])
    assert consistency_proof(old, new, nodes) == proof
    assert verify_consistency(old, new, old_root, new_root, proof)
    if not proof:
        return
    wrong = [
        (old - 1, new, old_root, new_root, proof),
        (old + 1, new, old_root, new_root, proof),
        (old ^ 2, new, old_root, new_root, proof),
        (old, new * 2, old_root, new_root, proof),
        (old, new // 2, old_root, new_root, proof),
        (old, new, SOME_HASH, new_root, proof),
        (old, new, old_root, SOME_HASH, proof),
        (old, new, new_root, old_root, proof),
        (old, new, old_root, new_root, []),
        (old, new, old_root, new_root, [*proof, b""]),
        (old, new, old_root, new_root, [*proof, old_root]),
        (old, new, old_root, new_root, [*proof, new_root]),
        (old, new, old_root, new_root, [b"", *proof]),
        (old, new, old_root, new_root, [old_root, *proof]),
        (old, new, old_root, new_root, [new_root, *proof]),
        (old, new, old_root, new_root, [proof[0], *proof]),
        (old, new, old_root, new_root, proof[:-1]),
        *[(old, new, old_root, new_root, [*proof[:i], flipped(proof[i]), *proof[i + 1 :]])
          for i in range(len(proof))],
    ]  # fmt: skip
    assert [args for args in wrong if verify_consistency(*args)] == []


# --- Against the reference ---------------------------------------------------------------


def test_it_gives_the_reference_root_for_every_size_up_to_300():
    entries = BIG[:301]
    nodes, frontier = MemoryNodes(), Frontier()
    for size in range(301):
        assert root_from_frontier(frontier) == ref_mth(entries[:size])
        assert frontier_read(size, nodes) == frontier
        appended = frontier_append(frontier, [leaf_hash(entries[size])])
        nodes.put_many(appended.nodes)
        frontier = appended.frontier
    assert root_from_frontier(BIG_FRONTIER) == ref_mth(BIG)
    assert frontier_read(len(BIG), BIG_LOG) == BIG_FRONTIER
    # The stored log of 2,100 answers for each size it had on the way.
    assert [root(size, BIG_LOG) for size in range(301)] == [
        ref_mth(entries[:size]) for size in range(301)
    ]


@given(st.integers(min_value=0, max_value=len(BIG)))
def test_it_gives_the_reference_root_for_any_size(size):
    assert root(size, BIG_LOG) == ref_mth(BIG[:size])
    assert root_from_frontier(frontier_read(size, BIG_LOG)) == ref_mth(BIG[:size])


def test_it_proves_every_entry_of_every_size_up_to_64_as_the_reference():
    nodes, _ = log_of(BIG[:64])
    for size in range(1, 65):
        head = ref_mth(BIG[:size])
        for index in range(size):
            proof = inclusion_proof(index, size, nodes)
            assert proof == ref_path(index, BIG[:size]), (index, size)
            assert verify_inclusion(leaf_hash(BIG[index]), index, size, proof, head)


def test_it_proves_every_entry_of_every_size_up_to_200():
    for size in range(1, 201):
        head = root(size, BIG_LOG)
        for index in range(size):
            proof = inclusion_proof(index, size, BIG_LOG)
            assert verify_inclusion(leaf_hash(BIG[index]), index, size, proof, head), (index, size)


@given(st.data())
def test_it_proves_any_entry_as_the_reference(data):
    size = data.draw(st.integers(min_value=1, max_value=len(BIG)))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = inclusion_proof(index, size, BIG_LOG)
    assert proof == ref_path(index, BIG[:size])
    assert verify_inclusion(leaf_hash(BIG[index]), index, size, proof, ref_mth(BIG[:size]))


def test_it_proves_every_pair_of_sizes_up_to_64_consistent_as_the_reference():
    nodes, _ = log_of(BIG[:64])
    for new in range(65):
        new_root = ref_mth(BIG[:new])
        for old in range(new + 1):
            proof = consistency_proof(old, new, nodes)
            assert proof == (ref_proof(old, BIG[:new]) if old else []), (old, new)
            assert verify_consistency(old, new, ref_mth(BIG[:old]), new_root, proof), (old, new)


def test_it_proves_every_pair_of_sizes_up_to_150_consistent():
    heads = [root(size, BIG_LOG) for size in range(151)]
    for new in range(151):
        for old in range(new + 1):
            proof = consistency_proof(old, new, BIG_LOG)
            assert verify_consistency(old, new, heads[old], heads[new], proof), (old, new)


@given(st.data())
def test_it_proves_any_two_sizes_consistent_as_the_reference(data):
    new = data.draw(st.integers(min_value=1, max_value=len(BIG)))
    old = data.draw(st.integers(min_value=1, max_value=new))
    proof = consistency_proof(old, new, BIG_LOG)
    assert proof == ref_proof(old, BIG[:new])
    assert verify_consistency(old, new, ref_mth(BIG[:old]), ref_mth(BIG[:new]), proof)


# --- Tampering ---------------------------------------------------------------------------


@st.composite
def tampered(draw):
    """(entries, the log after one change, the first index the change touched)."""
    entries = draw(ENTRIES)
    n = len(entries)
    i = draw(st.integers(min_value=0, max_value=n - 1))
    other = draw(st.binary(max_size=12).filter(lambda e: e not in entries))
    change = draw(st.sampled_from(["altered", "removed", "inserted", "reordered"]))
    if change == "altered":
        changed = [*entries[:i], other, *entries[i + 1 :]]
    elif change == "removed":
        changed = [*entries[:i], *entries[i + 1 :]]
    elif change == "inserted":
        changed = [*entries[:i], other, *entries[i:]]
    else:
        if n < 2:
            changed = [other, *entries]  # nothing to reorder: an insertion instead
        else:
            j = draw(st.integers(min_value=0, max_value=n - 1).filter(lambda j: j != i))
            i, j = min(i, j), max(i, j)
            changed = [*entries[:i], entries[j], *entries[i + 1 : j], entries[i], *entries[j + 1 :]]
    return entries, changed, i


@given(tampered())
def test_it_fails_inclusion_of_an_entry_the_log_changed(case):
    entries, changed, i = case
    honest, _ = log_of(entries)
    forged, _ = log_of(changed)
    forged_root = root(len(changed), forged)
    receipt = leaf_hash(entries[i])
    proofs = [inclusion_proof(i, len(entries), honest)]
    if i < len(changed):
        proofs.append(inclusion_proof(i, len(changed), forged))
    for proof in proofs:
        assert not verify_inclusion(receipt, i, len(changed), proof, forged_root)


@given(tampered(), st.data())
def test_it_fails_consistency_with_every_head_that_held_the_changed_entry(case, data):
    entries, changed, i = case
    honest, _ = log_of(entries)
    forged, _ = log_of(changed)
    old = data.draw(st.integers(min_value=i + 1, max_value=len(entries)), label="old size")
    old_root = root(old, honest)
    forged_root = root(len(changed), forged)
    proofs = [consistency_proof(old, len(entries), honest)]
    if old <= len(changed):
        proofs.append(consistency_proof(old, len(changed), forged))
    for proof in proofs:
        assert not verify_consistency(old, len(changed), old_root, forged_root, proof)


@given(ENTRIES, st.data())
def test_it_stays_consistent_with_every_head_before_the_change(entries, data):
    """The other side of the two above: a log that only grew passes both checks."""
    grown = [*entries, *data.draw(st.lists(st.binary(min_size=13, max_size=14), max_size=9))]
    nodes, frontier = log_of(grown)
    old = data.draw(st.integers(min_value=0, max_value=len(entries)))
    head = root_from_frontier(frontier)
    proof = consistency_proof(old, len(grown), nodes)
    assert verify_consistency(old, len(grown), ref_mth(entries[:old]), head, proof)
    for index in range(len(grown)):
        proof = inclusion_proof(index, len(grown), nodes)
        assert verify_inclusion(leaf_hash(grown[index]), index, len(grown), proof, head)


# --- Appending ---------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=400), st.lists(st.integers(1, 70), min_size=1))
def test_it_stores_the_same_nodes_whatever_the_batches(count, batches):
    entries = BIG[:count]
    one_by_one, frontier = log_of(entries)
    nodes, batched = MemoryNodes(), Frontier()
    start, turn = 0, 0
    while start < count:
        size = batches[turn % len(batches)]
        appended = frontier_append(batched, [leaf_hash(e) for e in entries[start : start + size]])
        assert set(appended.nodes).isdisjoint(nodes.hashes)
        nodes.put_many(appended.nodes)
        batched = appended.frontier
        start, turn = start + size, turn + 1
    assert nodes.hashes == one_by_one.hashes
    assert batched == frontier
    assert root_from_frontier(batched) == ref_mth(entries)


def test_it_stores_each_perfect_subtree_and_nothing_else():
    nodes, frontier = log_of(BIG[:11])
    assert sorted(nodes.hashes) == [
        *[(0, i) for i in range(11)], *[(1, i) for i in range(5)], (2, 0), (2, 1), (3, 0)
    ]  # fmt: skip
    assert nodes.get(3, 0) == ref_mth(BIG[:8])
    assert nodes.get(1, 4) == ref_mth(BIG[8:10])
    assert frontier == Frontier(11, (ref_mth(BIG[:8]), ref_mth(BIG[8:10]), ref_leaf(BIG[10])))


def test_it_appends_a_batch_with_few_hashes():
    _, frontier = log_of(BIG[:1023])
    appended = frontier_append(frontier, [leaf_hash(b"the last")])
    # One leaf that completes subtrees of 2, 4, ... 1,024 leaves: ten hashes, no read.
    assert len(appended.nodes) == 11
    assert appended.frontier.hashes == (appended.nodes[(10, 0)],)
    assert frontier_append(frontier, []) == Appended(frontier, {})


def test_it_refuses_a_leaf_hash_of_the_wrong_length():
    with pytest.raises(ValueError, match="32 bytes"):
        frontier_append(Frontier(), [b"entry"])


# --- Reads -------------------------------------------------------------------------------


@given(st.data())
def test_it_reads_the_store_once_a_proof_and_only_a_few_nodes(data):
    size = data.draw(st.integers(min_value=1, max_value=len(BIG)))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=1, max_value=size))
    store = CountingNodes(BIG_LOG)
    root(size, store)
    inclusion_proof(index, size, store)
    consistency_proof(old, size, store)
    frontier_read(size, store)
    assert len(store.reads) == 4
    bound = 2 * size.bit_length()
    assert [len(keys) <= bound for keys in store.reads] == [True] * 4
    # Only perfect subtrees the tree of `size` holds, none the log completed later.
    assert all((at + 1) << level <= size for keys in store.reads for level, at in keys)


def test_it_refuses_a_proof_the_tree_cannot_hold():
    with pytest.raises(ValueError):
        inclusion_proof(5, 5, BIG_LOG)
    with pytest.raises(ValueError):
        inclusion_proof(-1, 5, BIG_LOG)
    with pytest.raises(ValueError):
        consistency_proof(6, 5, BIG_LOG)
    with pytest.raises(ValueError):
        root(-1, BIG_LOG)
    with pytest.raises(KeyError):
        inclusion_proof(0, len(BIG) + 1, BIG_LOG)


# --- What the verifiers refuse -------------------------------------------------------------


@given(st.data())
def test_it_refuses_an_inclusion_proof_for_another_claim(data):
    size = data.draw(st.integers(min_value=1, max_value=300))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    leaf, head = leaf_hash(BIG[index]), root(size, BIG_LOG)
    proof = inclusion_proof(index, size, BIG_LOG)
    assert verify_inclusion(leaf, index, size, proof, head)

    other_index = data.draw(
        st.integers(min_value=-3, max_value=size + 3).filter(lambda i: i != index)
    )
    assert not verify_inclusion(leaf, other_index, size, proof, head)
    # The RFC's path binds the size only through its shape: index 0 of 5 and of 8 take the
    # same path. The size comes signed with the root; a size whose path is another length fails.
    other_size = data.draw(st.integers(min_value=-2, max_value=2 * size + 2))
    if other_size <= index or len(ref_path(index, BIG[:other_size])) != len(proof):
        assert not verify_inclusion(leaf, index, other_size, proof, head)
    extra = data.draw(HASH)
    for wrong_proof in [proof[:-1], [*proof, extra], [extra, *proof], [*proof, head]]:
        if wrong_proof != proof:
            assert not verify_inclusion(leaf, index, size, wrong_proof, head)
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        short = data.draw(st.binary(max_size=31) | st.binary(min_size=33, max_size=40))
        for bad in [short, proof[at].hex()]:
            bad_proof = [*proof[:at], bad, *proof[at + 1 :]]
            assert not verify_inclusion(leaf, index, size, bad_proof, head)
    assert not verify_inclusion(leaf[:31], index, size, proof, head)
    assert not verify_inclusion(leaf, index, size, proof, head + b"\x00")
    assert not verify_inclusion(leaf, float(index), size, proof, head)


@given(st.data())
def test_it_refuses_a_consistency_proof_for_another_claim(data):
    new = data.draw(st.integers(min_value=2, max_value=300))
    old = data.draw(st.integers(min_value=1, max_value=new - 1))
    old_root, new_root = root(old, BIG_LOG), root(new, BIG_LOG)
    proof = consistency_proof(old, new, BIG_LOG)
    assert verify_consistency(old, new, old_root, new_root, proof)

    other_old = data.draw(st.integers(min_value=-2, max_value=new + 2).filter(lambda m: m != old))
    if other_old <= 0 or other_old >= new or len(ref_proof(other_old, BIG[:new])) != len(proof):
        assert not verify_consistency(other_old, new, old_root, new_root, proof)
    other_new = data.draw(st.integers(min_value=-2, max_value=2 * new + 2))
    if other_new < old or len(ref_proof(old, BIG[:other_new])) != len(proof):
        assert not verify_consistency(old, other_new, old_root, new_root, proof)
    extra = data.draw(HASH)
    for wrong_proof in [[], proof[:-1], [*proof, extra], [extra, *proof], [*proof, new_root]]:
        assert not verify_consistency(old, new, old_root, new_root, wrong_proof)
    at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    short = data.draw(st.binary(max_size=31) | st.binary(min_size=33, max_size=40))
    bad_proof = [*proof[:at], short, *proof[at + 1 :]]
    assert not verify_consistency(old, new, old_root, new_root, bad_proof)
    assert not verify_consistency(old, new, new_root, old_root, proof)
    assert not verify_consistency(new, old, old_root, new_root, proof)
    assert not verify_consistency(old, new, old_root[:31], new_root, proof)
    assert not verify_consistency(old, new, old_root, new_root, None)


@pytest.mark.parametrize(
    ("old", "new", "old_root", "new_root", "proof", "consistent"),
    [
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], True),
        (0, 5, EMPTY_ROOT, SOME_HASH, [], True),
        (0, 5, SOME_HASH, SOME_HASH, [], False),
        (0, 5, EMPTY_ROOT, SOME_HASH, [EMPTY_ROOT], False),
        (5, 5, SOME_HASH, SOME_HASH, [], True),
        (5, 5, SOME_HASH, SOME_HASH, [SOME_HASH], False),
        (5, 5, SOME_HASH, EMPTY_ROOT, [], False),
        (0, 0, SOME_HASH, SOME_HASH, [], False),
        (2, 1, SOME_HASH, SOME_HASH, [], False),
        (1, 2, SOME_HASH, EMPTY_ROOT, [], False),
        (-1, 2, SOME_HASH, EMPTY_ROOT, [SOME_HASH], False),
    ],
)
def test_it_decides_the_sizes_the_rfc_leaves_out(old, new, old_root, new_root, proof, consistent):
    assert verify_consistency(old, new, old_root, new_root, proof) is consistent


@pytest.mark.parametrize(
    ("index", "size", "proof"),
    [
        (0, 0, []),
        (1, 1, []),
        (2, 1, []),
        (-1, 1, []),
        (0, -1, []),
        (0, 1, [SOME_HASH]),
        (0, 1, None),
    ],
)
def test_it_refuses_inclusion_in_a_tree_too_small(index, size, proof):
    assert verify_inclusion(SOME_HASH, index, size, proof, SOME_HASH) is False


def test_it_proves_the_one_entry_of_a_tree_of_one_by_its_root():
    leaf = leaf_hash(b"data")
    assert verify_inclusion(leaf, 0, 1, [], leaf)
    assert not verify_inclusion(leaf, 0, 1, [], b"")
    assert not verify_inclusion(b"", 0, 1, [], leaf)
    assert node_hash(leaf, leaf) == hashlib.sha256(b"\x01" + leaf + leaf).digest()
