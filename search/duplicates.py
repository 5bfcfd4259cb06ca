"""Near-duplicate paragraphs: the same text reposted or repeated across articles.

Each paragraph of at least MIN_CHARS characters (not a heading) gets a MinHash signature
of its character 3-shingles (punctuation and spaces dropped, on the search key, so
Traditional and Simplified copies agree); the banding of datasketch's MinHashLSH, done
in numpy, finds the pairs whose estimated Jaccard similarity is at least THRESHOLD, which
is then checked on the signatures. Connected pairs form a cluster, named by its first paragraph (lowest docnum):
the store's `dup` column, -1 for a paragraph without near-duplicates.

Signatures are computed with numpy (one affine hash per permutation over all shingles of
a batch, min-reduced per paragraph) and kept in the store, so an incremental build hashes
only its new paragraphs; the clusters are recomputed over all live paragraphs.
"""

from __future__ import annotations

import re

import numpy as np

NUM_PERM = 64
THRESHOLD = 0.8  # estimated Jaccard similarity of 3-shingle sets
SHINGLE = 3
MIN_CHARS = 30
SEED = 20261129
_EMPTY = np.uint32(0xFFFFFFFF)
_STRIP = re.compile(r"[\W_]+")
_MIX = np.uint32(0x9E3779B1)
_BATCH_KEYS = 64  # keys hashed at once: a (64 permutations x ~10k shingles) matrix stays in cache
# The bands datasketch's MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM) chooses (its
# `hashranges`: the rows per band that best balance false positives and negatives). Written
# out because importing datasketch (and the scipy.integrate it computes them with) took a
# third of a second of every build; tests/test_duplicates.py holds that they still agree.
BANDS = tuple((i * 11, (i + 1) * 11) for i in range(5))


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    a = rng.integers(1, 2**32, size=NUM_PERM, dtype=np.uint64) | 1
    b = rng.integers(0, 2**32, size=NUM_PERM, dtype=np.uint64)
    return a.astype(np.uint32), b.astype(np.uint32)


_A, _B = _permutations()


def _hash3(c: np.ndarray) -> np.ndarray:
    """The hash of each run of three code points of c (at least three long)."""
    with np.errstate(over="ignore"):
        h = (c[:-2] * _MIX ^ c[1:-1]) * _MIX ^ c[2:]
        return h * _MIX ^ (h >> np.uint32(15))  # repeats do not change a minimum


def _shingles(key: str) -> np.ndarray:
    """The hashed 3-shingles of one key (what signatures() hashes for a batch at once)."""
    c = np.frombuffer(_STRIP.sub("", key).encode("utf-32-le"), dtype=np.uint32)
    if len(c) < SHINGLE:
        return np.zeros(0, dtype=np.uint32)
    return _hash3(c)


def signatures(keys: list[str], eligible: np.ndarray) -> np.ndarray:
    """(len(keys), NUM_PERM) uint32 MinHash signatures; all-max rows for ineligible keys.

    A batch of keys is hashed as one run of characters, keeping only the shingles that lie
    inside one key: the same values as _shingles(key) for each, without numpy calls per key."""
    out = np.full((len(keys), NUM_PERM), _EMPTY, dtype=np.uint32)
    todo = np.flatnonzero(eligible)
    for lo in range(0, len(todo), _BATCH_KEYS):
        rows = todo[lo : lo + _BATCH_KEYS]
        stripped = [_STRIP.sub("", keys[i]) for i in rows.tolist()]
        counts = np.array([max(len(k) - SHINGLE + 1, 0) for k in stripped], dtype=np.int64)
        has = counts > 0
        if not has.any():
            continue
        lens = np.array([len(k) for k in stripped], dtype=np.int64)
        h = _hash3(np.frombuffer("".join(stripped).encode("utf-32-le"), dtype=np.uint32))
        n = counts[has]
        firsts = np.cumsum(n) - n  # where each key's shingles start among those kept
        take = np.repeat((np.cumsum(lens) - lens)[has] - firsts, n) + np.arange(n.sum())
        with np.errstate(over="ignore"):
            perm = _A[:, None] * h[take][None, :] + _B[:, None]  # uint32 wrap-around: an affine hash
        out[rows[has]] = np.minimum.reduceat(perm, firsts, axis=1).T
    return out


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of n nodes joined by the edges (a[i], b[i]): each node's label is
    the least node of its component. Each edge hangs the larger of its two roots under the
    smaller, then every label is followed to its root (pointer jumping), until every edge
    joins equal labels: a few rounds of numpy, also on long chains. (scipy's
    connected_components gives the same partition; importing it took 0.2 s.)"""
    label = np.arange(n)
    while True:
        la, lb = label[a], label[b]
        if np.array_equal(la, lb):
            return label
        np.minimum.at(label, np.maximum(la, lb), np.minimum(la, lb))
        while not np.array_equal(nxt := label[label], label):
            label = nxt


def clusters(sigs: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Per paragraph, the first docnum of its near-duplicate cluster (-1: none), among the
    `candidates` (a mask: live, long enough, not a heading).

    datasketch's MinHashLSH banding (its bands for THRESHOLD and NUM_PERM) done with numpy:
    two paragraphs are candidates when one band of their signatures is equal, a pair when
    at least THRESHOLD of the signature agrees; clusters are the connected pairs. The same
    answer as inserting and querying every signature in MinHashLSH, without a Python call
    per paragraph."""
    n = len(sigs)
    rep = np.full(n, -1, dtype=np.int32)
    docs = np.flatnonzero(candidates & (sigs[:, 0] != _EMPTY)) if n else np.zeros(0, dtype=np.int64)
    if len(docs) < 2:
        return rep
    need = THRESHOLD * NUM_PERM
    sub = sigs[docs]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    mix = np.random.default_rng(SEED).integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
    for start, end in BANDS:
        # a band as one 64-bit number (a collision only adds a candidate, which is verified)
        with np.errstate(over="ignore"):
            key = (sub[:, start:end].astype(np.uint64) * mix[start:end]).sum(axis=1, dtype=np.uint64)
        order = np.argsort(key, kind="stable")
        bounds = np.flatnonzero(np.diff(key[order])) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [len(order)]))
        shared = ends - starts > 1  # buckets of one are no candidates
        for lo, hi in zip(starts[shared].tolist(), ends[shared].tolist(), strict=True):
            members = order[lo:hi]
            for i in range(0, len(members), 64):  # row chunks bound the comparison's memory
                head = members[i : i + 64]
                agree = (sub[head][:, None, :] == sub[members][None, :, :]).sum(axis=2) >= need
                a, b = np.nonzero(agree)
                keep = head[a] < members[b]
                rows.append(head[a][keep])
                cols.append(members[b][keep])
    if not rows or not sum(len(r) for r in rows):
        return rep
    comp = _components(len(docs), np.concatenate(rows), np.concatenate(cols))
    sizes = np.bincount(comp)
    first = np.full(len(sizes), len(docs), dtype=np.int64)
    np.minimum.at(first, comp, np.arange(len(docs)))  # docs is sorted: the first is the least
    clustered = sizes[comp] >= 2
    rep[docs[clustered]] = docs[first[comp[clustered]]]
    return rep
