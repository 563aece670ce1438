"""Connected components of a graph too large for one task: union-find per partition, then star rounds.

Near-duplicate detection links documents that share a MinHash band (`websieve.steps.dedup.minhash`);
a cluster is a connected component of those links. datatrove finds them in one single-threaded task
(hours on large crawls); here every round is one task per partition, all in parallel:

1. each partition of candidate links is contracted on its own with a vectorised union-find
   (`local_components`: hook every root on the smaller one, then jump pointers until every node points
   at its root), which leaves one star per local component: every node linked to its component's
   smallest node (`star_links`);
2. the stars of all partitions are then joined by the *large-star* and *small-star* rounds of Kiveris et
   al., "Connected Components in MapReduce and Beyond" (SoCC 2014), alternated until a round pair
   changes no link. Every link is kept in both directions, filed under the partition of its first node
   (`node_partition`), so a task sees all the neighbours of its nodes. When nothing changes, every
   component is a star around its smallest node, and a node's label is the smallest of itself and its
   neighbours (`labels`).

Nodes are 64-bit integers; every function here is deterministic and its output sorted, so the result
does not depend on the number of partitions, tasks or workers.

>>> nodes, roots = local_components(np.array([5, 7, 9], np.uint64), np.array([7, 9, 2], np.uint64))
>>> nodes.tolist(), roots.tolist()
([2, 5, 7, 9], [2, 2, 2, 2])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from websieve.steps.dedup.signature import fmix64

__all__ = [
    "bucket_links",
    "labels",
    "large_star",
    "local_components",
    "node_partition",
    "small_star",
    "star_links",
    "unique_links",
]

U64 = npt.NDArray[np.uint64]


def node_partition(nodes: U64, partitions: int) -> npt.NDArray[np.int64]:
    """The partition of each node: its splitmix64 finaliser modulo ``partitions`` (node ids are not
    uniform: the shard index sits in their high bits)."""
    return (fmix64(nodes) % np.uint64(partitions)).astype(np.int64)


def unique_links(a: U64, b: U64) -> tuple[U64, U64]:
    """The distinct (a, b) pairs, sorted by a then b."""
    if len(a) == 0:
        return a, b
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    keep = np.ones(len(a), dtype=bool)
    keep[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[keep], b[keep]


def bucket_links(key: U64, node: U64, *, all_pairs_upto: int = 0) -> tuple[U64, U64]:
    """Candidate links among the nodes of each bucket (rows with an equal ``key``; sorted by key, then
    node), each as (larger node, smaller node), distinct.

    Every node is linked to its bucket's first (only that with ``all_pairs_upto`` 0); in a bucket of at
    most ``all_pairs_upto`` nodes every pair is linked, and in a larger one each node also to the one
    before it. When links are then checked
    one by one (``min_similarity``), the first of a bucket may be unlike the others, and a star around it
    alone would lose the links between them.

    >>> key = np.array([1, 1, 1, 2], np.uint64)
    >>> a, b = bucket_links(key, np.array([3, 5, 9, 4], np.uint64), all_pairs_upto=3)
    >>> list(zip(a.tolist(), b.tolist()))
    [(5, 3), (9, 3), (9, 5)]
    >>> a, b = bucket_links(key, np.array([3, 5, 9, 4], np.uint64))
    >>> list(zip(a.tolist(), b.tolist()))
    [(5, 3), (9, 3)]
    """
    if len(key) == 0:
        return key, node
    starts, run = _groups(key)
    size = np.diff(np.append(starts, len(key)))[run]
    first = node[starts][run]
    later = np.arange(len(key)) > starts[run]
    parts_a, parts_b = [node[later]], [first[later]]
    small = size <= all_pairs_upto
    for d in range(1, min(all_pairs_upto, len(key))):
        i = np.flatnonzero(small[d:] & (run[d:] == run[:-d]))
        parts_a.append(node[i + d])
        parts_b.append(node[i])
    chain = later & ~small if all_pairs_upto else np.zeros(len(key), dtype=bool)
    parts_a.append(node[chain])
    parts_b.append(node[np.flatnonzero(chain) - 1])
    a, b = np.concatenate(parts_a), np.concatenate(parts_b)
    other = a != b
    return unique_links(a[other], b[other])


def local_components(a: U64, b: U64) -> tuple[U64, U64]:
    """The components of the links (a[i], b[i]): every node that has a link, sorted, and the smallest node
    of its component.

    Union-find in whole-array steps: each round hooks the larger root of every link that still joins two
    trees onto the smaller one, then jumps pointers until every node points at a root. Parents only ever
    decrease, so no cycle forms and each component's root ends as its smallest node.
    """
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    n = len(a)
    x, y = inverse[:n], inverse[n:]
    parent = np.arange(len(nodes))
    while True:
        px, py = parent[x], parent[y]
        lo, hi = np.minimum(px, py), np.maximum(px, py)
        joins = lo != hi
        if not joins.any():
            break
        np.minimum.at(parent, hi[joins], lo[joins])
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return nodes.astype(np.uint64), nodes[parent].astype(np.uint64)


def star_links(nodes: U64, roots: U64) -> tuple[U64, U64]:
    """The links (node, root) of every node that is not its component's root."""
    other = nodes != roots
    return nodes[other], roots[other]


def _groups(u: U64) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Start of each run of equal values in the sorted ``u``, and the run of each row."""
    new = np.ones(len(u), dtype=bool)
    new[1:] = u[1:] != u[:-1]
    starts = np.flatnonzero(new)
    return starts, np.cumsum(new) - 1


def large_star(u: U64, v: U64) -> tuple[U64, U64, int]:
    """One large-star step over the links of some nodes (``u`` sorted, all of each node's neighbours
    present, no self links): every neighbour larger than ``u`` is linked to the smallest of ``u`` and its
    neighbours. Returns the new links (undirected, one row each) and how many differ from the old ones.
    """
    if len(u) == 0:
        return u, v, 0
    starts, run = _groups(u)
    smallest = np.minimum(u[starts], np.minimum.reduceat(v, starts))[run]
    larger = v > u
    out_a, out_b = v[larger], smallest[larger]
    changed = int(np.count_nonzero(out_b != u[larger]))
    return out_a, out_b, changed


def small_star(u: U64, v: U64) -> tuple[U64, U64, int]:
    """One small-star step: each node and its neighbours smaller than it are linked to the smallest of
    them. Returns the new links (undirected, one row each; no self links) and how many nodes had two or
    more smaller neighbours (zero: the step changed nothing)."""
    smaller = v < u
    u, v = u[smaller], v[smaller]
    if len(u) == 0:
        return u, v, 0
    starts, run = _groups(u)
    smallest = np.minimum.reduceat(v, starts)
    counts = np.diff(np.append(starts, len(u)))
    changed = int(np.count_nonzero(counts > 1))
    out_a = np.concatenate([v, u[starts]])
    out_b = np.concatenate([smallest[run], smallest])
    keep = out_a != out_b
    return out_a[keep], out_b[keep], changed


def labels(u: U64, v: U64) -> tuple[U64, U64]:
    """Each node of ``u`` (sorted) and the smallest of itself and its neighbours: once the rounds have
    converged, its component's smallest node."""
    if len(u) == 0:
        return u, v
    starts, _ = _groups(u)
    return u[starts], np.minimum(u[starts], np.minimum.reduceat(v, starts))
