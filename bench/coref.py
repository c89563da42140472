"""Coreference metrics for claim clusters, written as per-entity statistics so the bootstrap can sum them.

Mentions are hashable; a clustering is a list of disjoint sets (entities). ``key`` is the
gold, ``response`` the system. A mention of the key missing from the response, or the
reverse, is handled as the standard definitions do (twinless mentions score 0).

- MUC (Vilain et al. 1995): R = Σ_k (|k| − |p(k)|) / Σ_k (|k| − 1), where p(k) is the
  partition of k by the response (key mentions the response lacks are parts of their own);
  P the same with the roles swapped. Singletons contribute nothing.
- B³ (Bagga & Baldwin 1998): R = Σ_k Σ_r |k ∩ r|² / |k| ÷ Σ_k |k|; P the same swapped.
- CEAFₑ (Luo 2005): φ(k, r) = 2|k ∩ r| / (|k| + |r|); A the one-to-one alignment of key
  and response entities with the largest Σ φ; R = Σ φ / |K|, P = Σ φ / |R|. Entities that
  share no mention have φ = 0, so the alignment is solved exactly per connected component.
- LEA (Moosavi & Strube 2016): R = Σ_k |k| · Σ_r link(k ∩ r) / link(k) ÷ Σ_k |k|, with
  link(e) = |e|(|e| − 1)/2; a singleton has one self-link, resolved when the response
  also has that mention alone. P the same swapped.
- CoNLL F1: the mean of the MUC, B³ and CEAFₑ F1.

``entity_stats`` gives each statistic per key entity (recall side) and per response
entity (precision side): every total is a sum of them, which is what ``bench.tasks.links``
files under bootstrap units. ``link_metrics`` turns totals into every metric, the conflict
pairs' P/R/F1 included.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

import numpy as np

from .formulas import harmonic, prf, ratio, value
from .assignment import assign

RECALL_STATS = ("muc_r_num", "muc_r_den", "b3_r_num", "b3_r_den", "ceaf_sim", "ceaf_k", "lea_r_num", "lea_r_den")
PRECISION_STATS = ("muc_p_num", "muc_p_den", "b3_p_num", "b3_p_den", "ceaf_r", "lea_p_num", "lea_p_den")
STATS = RECALL_STATS + PRECISION_STATS
METRICS = ("muc", "b3", "ceafe", "lea")


def _link(n: int) -> float:
    return n * (n - 1) / 2


def _overlaps(entity: set, member_of: dict) -> Counter:
    """Other-side entity index -> how many mentions of ``entity`` it holds."""
    return Counter(member_of[m] for m in entity if m in member_of)


def _lea_side(entity: set, other: Sequence[set], member_of: dict) -> float:
    """Σ_r link(e ∩ r) / link(e) for one entity against the other clustering."""
    if len(entity) == 1:
        (m,) = entity
        j = member_of.get(m)
        return 1.0 if j is not None and len(other[j]) == 1 else 0.0
    return sum(_link(n) for n in _overlaps(entity, member_of).values()) / _link(len(entity))


def _muc_side(entity: set, member_of: dict) -> tuple[float, float]:
    parts = set()
    lonely = 0
    for m in entity:
        j = member_of.get(m)
        if j is None:
            lonely += 1
        else:
            parts.add(j)
    return len(entity) - (len(parts) + lonely), len(entity) - 1


def _b3_side(entity: set, member_of: dict) -> float:
    return sum(n * n for n in _overlaps(entity, member_of).values()) / len(entity)


def ceaf_alignment(key: Sequence[set], response: Sequence[set]) -> dict[int, tuple[int, float]]:
    """key index -> (response index, φ4) of the optimal one-to-one alignment (aligned pairs with φ > 0)."""
    member_of = {m: j for j, r in enumerate(response) for m in r}
    edges: dict[tuple[int, int], float] = {}
    for i, k in enumerate(key):
        for j, n in _overlaps(k, member_of).items():
            edges[(i, j)] = 2 * n / (len(k) + len(response[j]))
    chosen = assign(len(key), len(response), [(i, j, phi) for (i, j), phi in edges.items()], pairs_first=False)
    return {i: (j, edges[(i, j)]) for i, j in chosen.items() if edges[(i, j)] > 0}


def entity_stats(key: Sequence[set], response: Sequence[set]) -> tuple[list[dict], list[dict]]:
    """Per key entity its recall statistics, per response entity its precision statistics."""
    key_of = {m: i for i, k in enumerate(key) for m in k}
    response_of = {m: j for j, r in enumerate(response) for m in r}
    aligned = ceaf_alignment(key, response)
    recall = []
    for i, k in enumerate(key):
        muc_num, muc_den = _muc_side(k, response_of)
        recall.append({
            "muc_r_num": muc_num, "muc_r_den": muc_den,
            "b3_r_num": _b3_side(k, response_of), "b3_r_den": len(k),
            "ceaf_sim": aligned.get(i, (None, 0.0))[1], "ceaf_k": 1,
            "lea_r_num": len(k) * _lea_side(k, response, response_of), "lea_r_den": len(k),
        })
    precision = []
    for r in response:
        muc_num, muc_den = _muc_side(r, key_of)
        precision.append({
            "muc_p_num": muc_num, "muc_p_den": muc_den,
            "b3_p_num": _b3_side(r, key_of), "b3_p_den": len(r),
            "ceaf_r": 1,
            "lea_p_num": len(r) * _lea_side(r, key, key_of), "lea_p_den": len(r),
        })
    return recall, precision


COLUMNS = STATS + ("conflict_tp", "conflict_fp", "conflict_fn")  # the statistics of a links scoring


def link_metrics(totals) -> dict[str, np.ndarray]:
    """Every link metric from totals of shape (..., len(COLUMNS)): NaN where undefined.

    The one formula of each metric, for the point score and every bootstrap resample.
    """
    t = {name: np.asarray(totals, float)[..., k] for k, name in enumerate(COLUMNS)}
    out = {}
    for name, (r_num, r_den, p_num, p_den) in (("muc", ("muc_r_num", "muc_r_den", "muc_p_num", "muc_p_den")),
                                               ("b3", ("b3_r_num", "b3_r_den", "b3_p_num", "b3_p_den")),
                                               ("ceafe", ("ceaf_sim", "ceaf_k", "ceaf_sim", "ceaf_r")),
                                               ("lea", ("lea_r_num", "lea_r_den", "lea_p_num", "lea_p_den"))):
        recall, precision = ratio(t[r_num], t[r_den]), ratio(t[p_num], t[p_den])
        out |= {f"{name}_precision": precision, f"{name}_recall": recall, f"{name}_f1": harmonic(precision, recall)}
    out["conll_f1"] = (out["muc_f1"] + out["b3_f1"] + out["ceafe_f1"]) / 3
    conflicts = prf(t["conflict_tp"], t["conflict_fp"], t["conflict_fn"])
    out |= {"conflict_precision": conflicts[0], "conflict_recall": conflicts[1], "conflict_f1": conflicts[2]}
    return out


def totals_of(key: Sequence[set], response: Sequence[set]) -> np.ndarray:
    """The summed statistics (``COLUMNS``, conflicts 0) of one key and response clustering."""
    recall, precision = entity_stats(key, response)
    totals = np.zeros(len(COLUMNS))
    at = {name: k for k, name in enumerate(COLUMNS)}
    for row in recall + precision:
        for name, number in row.items():
            totals[at[name]] += number
    return totals


def evaluate(key: Sequence[set], response: Sequence[set]) -> dict[str, dict[str, float | None]]:
    """Every coreference metric for one key and response clustering, through ``link_metrics``."""
    found = link_metrics(totals_of(key, response))
    out = {name: {part: value(found[f"{name}_{part}"]) for part in ("precision", "recall", "f1")}
           for name in METRICS}
    out["conll"] = {"f1": value(found["conll_f1"])}
    return out


def clustering(groups: Sequence[Sequence[Hashable]], mentions: Sequence[Hashable], *,
               singletons: bool = True) -> list[set]:
    """Entities from groups (clusters) plus a singleton for every mention in none; without
    ``singletons``, entities of one mention are left out."""
    entities = [set(g) for g in groups if g]
    seen = {m for e in entities for m in e}
    if singletons:
        entities += [{m} for m in mentions if m not in seen]
    return [e for e in entities if singletons or len(e) > 1]
