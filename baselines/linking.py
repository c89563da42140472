"""Which claims agree and which conflict: the link baselines' shared machinery.

Every function takes the claims of the corpus as ``{doc_id: [Claim]}`` (each claim with an
``id``) and returns the links format of ``gold/links.json``.

- ``link_by_rules``: two claims link when they state the same figure (value, bound and
  unit, as ``numbers`` normalises it) of the same kind of thing (the head word of what is
  counted, or a shared verb), or when their content words nearly coincide (Jaccard >= 0.6);
  clusters are the connected components.
- ``link_by_embeddings``: average-linkage agglomerative clustering (scikit-learn) of
  MiniLM-L6 claim embeddings under cosine distance. Its threshold is chosen without any
  gold: among ``THRESHOLDS``, the one whose clustering has the highest silhouette score on
  the claims being linked (a property of the embeddings alone).
- ``figure_conflicts``: two clusters (or single claims) conflict when they give
  incompatible figures for the same kind of thing and the same event verb, from different
  claimants.
- ``no_links``: every claim its own singleton, nothing in conflict (the floor).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from bench.records import Claim, Quantity
from bench.values import compatible

from .numbers import find_quantities
from .segment import FUNCTION_WORDS

JACCARD = 0.6
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
_WORD = re.compile(r"[^\W\d_][\w'-]*")
# Verbs of the same event (their stems): surrendering, evacuating, attacking, …
_LIGHT = frozenset({"said", "says", "say", "have", "has", "had", "been", "were", "was", "are", "is", "will", "would",
                    "could", "can", "also", "there", "their", "they", "them", "this", "that", "with"})


def _ref(claim: Claim) -> dict:
    return {"doc_id": claim.doc_id, "id": claim.id}


def _content(text: str) -> set[str]:
    return {w.lower()[:6] for w in _WORD.findall(text) if w.lower() not in FUNCTION_WORDS and w.lower() not in _LIGHT
            and len(w) > 2}


def _head(counted: str | None) -> str | None:
    words = _WORD.findall(counted or "")
    return words[-1].lower().rstrip("s")[:6] if words else None


def _figures(claim: Claim) -> list[Quantity]:
    return [Quantity(**{k: v for k, v in q.items() if k != "text"}) for q in find_quantities(claim.text or "")]


def _same_value(a: Quantity, b: Quantity) -> bool:
    return (a.low, a.high, a.low_inclusive, a.high_inclusive, a.unit) == (b.low, b.high, b.low_inclusive,
                                                                         b.high_inclusive, b.unit)


class _Components:
    def __init__(self, items):
        self.parent = {x: x for x in items}

    def find(self, x):
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list]:
        out: dict = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return [sorted(g) for g in out.values()]


def _flat(claims: Mapping[str, Sequence[Claim]]) -> list[Claim]:
    return [c for doc_id in sorted(claims) for c in claims[doc_id] if c.id is not None and c.text]


def _features(flat: list[Claim]) -> tuple[list[list[Quantity]], list[set[str]]]:
    """Each claim's figures and content words, worked out once for linking and for conflicts."""
    return [_figures(c) for c in flat], [_content(c.text or "") for c in flat]


def _as_links(flat: list[Claim], groups: list[list[int]], conflicts: list[tuple[int, int, str]]) -> dict:
    """Index groups and conflicting index pairs as the links format, conflicts between whole clusters."""
    clusters, cluster_of = [], {}
    for group in sorted((g for g in groups if len(g) > 1), key=lambda g: g[0]):
        name = f"k{len(clusters) + 1}"
        clusters.append({"id": name, "claims": [_ref(flat[i]) for i in group]})
        for i in group:
            cluster_of[i] = name
    seen, out = set(), []
    for i, j, why in conflicts:
        a, b = cluster_of.get(i, i), cluster_of.get(j, j)
        key = frozenset((str(a), str(b)))
        if a == b or key in seen:
            continue
        seen.add(key)
        out.append({"a": a if isinstance(a, str) else _ref(flat[a]), "b": b if isinstance(b, str) else _ref(flat[b]),
                    "why": why})
    return {"clusters": clusters, "conflicts": out}


def _index_pairs(keys: list[set], needed) -> list[tuple[int, int]]:
    """Pairs (i < j) of items whose key sets could reach ``needed`` shared keys, by prefix filtering.

    ``needed(n)`` is the least overlap an item with ``n`` keys can have with a partner that
    passes (Jaccard >= t needs ceil(t * n)); under one global order of keys, rarest first, such
    a pair shares one of the first ``n - needed(n) + 1`` keys of each item (Chaudhuri et al.
    2006). Exact: every passing pair is among those returned; each is then checked exactly.
    """
    frequency: dict = {}
    for found in keys:
        for key in found:
            frequency[key] = frequency.get(key, 0) + 1
    postings: dict = {}
    pairs = set()
    for i, found in enumerate(keys):
        ordered = sorted(found, key=lambda k: (frequency[k], k))
        for key in ordered[:len(ordered) - needed(len(ordered)) + 1]:
            for j in postings.get(key, ()):
                pairs.add((j, i))
            postings.setdefault(key, []).append(i)
    return sorted(pairs)


def _distinct(values: list) -> tuple[list[int], list[int]]:
    """(the first index of each distinct value, and for every index the first index of its value)."""
    first: dict = {}
    of = [first.setdefault(v, i) for i, v in enumerate(values)]
    return sorted(first.values()), of


def figure_conflicts(flat: list[Claim], groups: list[list[int]], features) -> list[tuple[int, int, str]]:
    """Claim index pairs in different groups with incompatible figures of the same thing, by different claimants.

    Only claims sharing a figure's unit and counted head are compared (a conflict needs both),
    and of claims alike in group, claimant, figures and content words only the first, which
    stands for the others (they are in the same group, so the groups in conflict are the same
    as comparing every pair would find).
    """
    group_of = {i: k for k, g in enumerate(groups) for i in g}
    figures, content = features
    heads = [{(q.unit, _head(q.counted)) for q in found if _head(q.counted)} for found in figures]
    alike = [(group_of.get(i, ("alone", i)), flat[i].claimant, tuple(sorted(map(_figure_key, figures[i]))),
              frozenset(content[i])) for i in range(len(flat))]
    representatives, _ = _distinct(alike)
    buckets: dict = {}
    for i in representatives:
        for key in heads[i]:
            buckets.setdefault(key, []).append(i)
    candidates = sorted({(i, j) for members in buckets.values() for n, i in enumerate(members) for j in members[n + 1:]})
    found = []
    for i, j in candidates:
        if group_of.get(i) == group_of.get(j) or flat[i].claimant == flat[j].claimant:
            continue
        if not (content[i] & content[j]) - {_head(q.counted) for q in figures[i]}:
            continue  # no shared event word beside the counted noun
        for a in figures[i]:
            for b in figures[j]:
                if a.unit == b.unit and _head(a.counted) and _head(a.counted) == _head(b.counted) \
                        and not compatible(a, b):
                    found.append((i, j, f"incompatible figures for {a.counted}: {flat[i].text[:40]!r} vs "
                                        f"{flat[j].text[:40]!r}"))
                    break
            else:
                continue
            break
    return found


def _figure_key(q: Quantity) -> tuple:
    return (q.low if q.low is not None else float("-inf"), q.high if q.high is not None else float("inf"),
            q.low_inclusive, q.high_inclusive, q.unit or "", q.counted or "")


def link_by_rules(documents, claims: Mapping[str, Sequence[Claim]]) -> dict:
    """Links from figures and near-identical content (see the module docstring).

    Candidate pairs are blocked, so the cost grows about linearly with the claims: claims with the
    same content words join at once; pairs that could reach the Jaccard threshold are found by
    prefix filtering; and claims that give the same figure join through buckets keyed by the
    figure's value and the counted noun's head or a shared content word. The clusters are those
    of comparing every pair.
    """
    flat = _flat(claims)
    features = figures, content = _features(flat)
    components = _Components(range(len(flat)))
    # near-identical content: the same word set joins at once, distinct sets by prefix filtering
    sets = [frozenset(c) for c in content]
    distinct, first_of = _distinct(sets)
    for i, first in enumerate(first_of):
        if sets[i]:
            components.join(i, first)
    keyed = [sets[i] for i in distinct]
    for a, b in _index_pairs(keyed, lambda n: max(1, math.ceil(JACCARD * n - 1e-9))):
        x, y = keyed[a], keyed[b]
        union = x | y
        if union and len(x & y) / len(union) >= JACCARD:
            components.join(distinct[a], distinct[b])
    # the same figure (of at least 10) of the same thing: the same counted head, or a content word
    # shared beside the earlier claim's counted head (pairs (i < j), as the all-pairs loop reads them)
    by_head: dict = {}
    by_word: dict = {}
    for i in range(len(flat)):
        for q in figures[i]:
            value = (q.low, q.high, q.low_inclusive, q.high_inclusive, q.unit)
            head = _head(q.counted)
            by_head.setdefault((value, head), []).append((i, q.low is not None and q.low >= 10))
            for word in content[i]:
                by_word.setdefault((value, word), []).append((i, q.low is not None and q.low >= 10 and word != head))
    for bucket in list(by_head.values()) + list(by_word.values()):
        left = None  # the first claim that can open a link in this bucket (a figure of at least 10)
        for i, opens in sorted(set(bucket)):
            if left is not None and i != left:
                components.join(left, i)
            if opens and left is None:
                left = i
    groups = components.groups()
    return _as_links(flat, groups, figure_conflicts(flat, groups, features))


def link_by_embeddings(claims: Mapping[str, Sequence[Claim]], embed, *, threshold: float = 0.0) -> tuple[dict, float]:
    """Agglomerative clustering of claim embeddings, and the threshold used (0: chosen by silhouette, no gold)."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    flat = _flat(claims)
    if len(flat) < 3:
        return _as_links(flat, [[i] for i in range(len(flat))], []), threshold
    vectors = np.asarray(embed([c.text for c in flat]), dtype=np.float64)

    def cluster(t: float) -> np.ndarray:
        model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average", distance_threshold=t)
        return model.fit_predict(vectors)

    if threshold <= 0:
        best = None
        for t in THRESHOLDS:
            labels = cluster(t)
            n = len(set(labels.tolist()))
            if not 2 <= n <= len(flat) - 1:
                continue
            value = silhouette_score(vectors, labels, metric="cosine")
            if best is None or value > best[0]:
                best = (value, t, labels)
        labels = best[2] if best is not None else np.arange(len(flat))
        threshold = best[1] if best is not None else 0.0
    else:
        labels = cluster(threshold)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(i)
    ordered = [sorted(g) for g in groups.values()]
    return _as_links(flat, ordered, figure_conflicts(flat, ordered, _features(flat))), threshold


def no_links(documents, claims) -> dict:
    """The floor: no cluster, no conflict (every claim a singleton)."""
    return {"clusters": [], "conflicts": []}
