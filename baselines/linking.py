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


def figure_conflicts(flat: list[Claim], groups: list[list[int]], features) -> list[tuple[int, int, str]]:
    """Claim index pairs in different groups with incompatible figures of the same thing, by different claimants."""
    group_of = {i: k for k, g in enumerate(groups) for i in g}
    figures, content = features
    found = []
    for i in range(len(flat)):
        for j in range(i + 1, len(flat)):
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


def link_by_rules(documents, claims: Mapping[str, Sequence[Claim]]) -> dict:
    """Links from figures and near-identical content (see the module docstring)."""
    flat = _flat(claims)
    features = figures, content = _features(flat)
    components = _Components(range(len(flat)))
    for i in range(len(flat)):
        for j in range(i + 1, len(flat)):
            union = content[i] | content[j]
            if union and len(content[i] & content[j]) / len(union) >= JACCARD:
                components.join(i, j)
                continue
            for a in figures[i]:
                if any(_same_value(a, b) and a.low is not None and a.low >= 10 and (
                        _head(a.counted) == _head(b.counted) or (content[i] & content[j]) - {_head(a.counted)})
                       for b in figures[j]):
                    components.join(i, j)
                    break
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
