"""Hand-computed cases for the matching rules in bench.matching.

Spans are written start-end (end exclusive); IoU values are worked out in the tables.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from bench.records import Claim
from bench.assignment import assign
from bench.matching import (
    BOUNDARY,
    MATCHED,
    MISSED,
    OUTCOMES,
    SCHEMES,
    SPURIOUS,
    WRONG_TYPE,
    Spans,
    char_iou,
    classify,
    get_scheme,
    match_claims,
    optimal_pairs,
    overlapping_pairs,
    type_index_of,
)

Q, P, S, E = "quantity", "prediction", "position", "event"


def c(start: int, end: int, type_: str = Q, **extra) -> Claim:
    return Claim("d", start, end, type_, **extra)


def pairs(gold, preds, scheme="lenient", threshold=None):
    return [(g, p) for g, p, _ in match_claims(gold, preds, scheme, threshold)]


def kinds(result) -> list[tuple[str, int | None, int | None]]:
    return sorted((o.kind, o.gold, o.pred) for o in result.outcomes)


# ---------------------------------------------------------------- similarity and schemes

@pytest.mark.parametrize(
    "gold, pred, iou",
    [
        # gold    pred     |g∩p| |g∪p|
        ((0, 10), (0, 10), 1.0),  # 10 / 10
        ((0, 10), (0, 5), 0.5),  # 5 / 10
        ((0, 10), (5, 15), 1 / 3),  # 5 / 15
        ((0, 10), (10, 20), 0.0),  # touching, end exclusive: nothing shared
        ((0, 10), (20, 30), 0.0),
        ((2, 4), (0, 10), 0.2),  # 2 / 10
    ],
)
def test_char_iou(gold, pred, iou):
    assert char_iou(c(*gold), c(*pred)) == pytest.approx(iou)
    assert char_iou(c(*pred), c(*gold)) == pytest.approx(iou)


def test_schemes_are_named_and_documented():
    assert set(SCHEMES) == {"lenient", "strict", "detection", "text"}
    for name, scheme in SCHEMES.items():
        assert scheme.name == name and scheme.description
    assert SCHEMES["lenient"].typed and SCHEMES["strict"].typed and not SCHEMES["detection"].typed
    assert SCHEMES["lenient"].threshold == 0.5


def test_unknown_scheme_lists_the_known_ones():
    with pytest.raises(ValueError, match='unknown scheme "fuzzy" .*lenient, strict, detection'):
        get_scheme("fuzzy")


@pytest.mark.parametrize("threshold", [0, -0.1, 1.5, "0.5", True])
def test_bad_threshold(threshold):
    with pytest.raises(ValueError, match="threshold"):
        match_claims([c(0, 5)], [c(0, 5)], "lenient", threshold)


def test_strict_threshold_is_fixed():
    assert SCHEMES["strict"].resolve_threshold(0.3) == 1.0
    assert SCHEMES["lenient"].resolve_threshold(0.3) == 0.3
    assert SCHEMES["lenient"].resolve_threshold(None) == 0.5


# ---------------------------------------------------------------- the three schemes, by hand

# | gold        | pred           | IoU  | lenient (0.5) | strict | detection (0.5) |
# |-------------|----------------|------|---------------|--------|-----------------|
# | 0-10 Q      | 0-10 Q         | 1.0  | pair          | pair   | pair            |
# | 20-30 Q     | 22-30 Q        | 0.8  | pair          | -      | pair            |
# | 40-50 P     | 40-50 E        | 1.0  | -             | -      | pair            |
# | 60-70 S     | 66-76 S        | 0.25 | -             | -      | -               |
# | 80-90 E     | (nothing)      |      | -             | -      | -               |
# | (nothing)   | 100-110 E      |      | -             | -      | -               |
GOLD = [c(0, 10, Q), c(20, 30, Q), c(40, 50, P), c(60, 70, S), c(80, 90, E)]
PREDS = [c(0, 10, Q), c(22, 30, Q), c(40, 50, E), c(66, 76, S), c(100, 110, E)]


@pytest.mark.parametrize(
    "scheme, expected",
    [("lenient", [(0, 0), (1, 1)]), ("strict", [(0, 0)]), ("detection", [(0, 0), (1, 1), (2, 2)])],
)
def test_scheme_table(scheme, expected):
    assert pairs(GOLD, PREDS, scheme) == expected


@pytest.mark.parametrize(
    "scheme, expected",
    [
        # lenient: 40-50 P/E differ in type only; 60-70/66-76 overlap below 0.5
        ("lenient", [(MATCHED, 0, 0), (MATCHED, 1, 1), (WRONG_TYPE, 2, 2), (BOUNDARY, 3, 3),
                     (MISSED, 4, None), (SPURIOUS, None, 4)]),
        # strict: 22-30 is no longer identical -> boundary
        ("strict", [(MATCHED, 0, 0), (BOUNDARY, 1, 1), (WRONG_TYPE, 2, 2), (BOUNDARY, 3, 3),
                    (MISSED, 4, None), (SPURIOUS, None, 4)]),
        # detection: types do not matter
        ("detection", [(MATCHED, 0, 0), (MATCHED, 1, 1), (MATCHED, 2, 2), (BOUNDARY, 3, 3),
                       (MISSED, 4, None), (SPURIOUS, None, 4)]),
    ],
)
def test_outcome_table(scheme, expected):
    assert kinds(classify("d", GOLD, PREDS, scheme)) == sorted(expected)


def test_lenient_threshold_is_inclusive_and_configurable():
    gold, pred = [c(0, 10)], [c(0, 5)]  # IoU exactly 0.5
    assert pairs(gold, pred) == [(0, 0)]
    assert pairs(gold, pred, threshold=0.6) == []
    assert kinds(classify("d", gold, pred, "lenient", 0.6)) == [(BOUNDARY, 0, 0)]


def test_strict_wrong_type_needs_identical_boundaries():
    # | gold    | pred     | strict outcome |
    # | 0-10 Q  | 0-10 E   | wrong_type     |
    # | 20-30 Q | 21-30 E  | missed + spurious (type and boundary both wrong) |
    gold, preds = [c(0, 10, Q), c(20, 30, Q)], [c(0, 10, E), c(21, 30, E)]
    assert kinds(classify("d", gold, preds, "strict")) == sorted(
        [(WRONG_TYPE, 0, 0), (MISSED, 1, None), (SPURIOUS, None, 1)])


def test_touching_spans_do_not_overlap():
    assert kinds(classify("d", [c(0, 10)], [c(10, 20)], "lenient")) == [(MISSED, 0, None), (SPURIOUS, None, 0)]


def test_other_documents_never_pair():
    assert classify("d", [c(0, 10)], [], "lenient").outcomes[0].kind == MISSED
    assert classify("d", [], [c(0, 10)], "lenient").outcomes[0].kind == SPURIOUS


# ---------------------------------------------------------------- one-to-one and optimal

def test_one_prediction_is_never_counted_against_several_gold():
    # nervaluate #84/#85: one long prediction over two gold claims.
    # | gold    | pred  | IoU                 |
    # | 0-10 Q  | 0-22 Q | 10/22 = 0.45       |
    # | 12-22 Q |        | 10/22 = 0.45       |
    # lenient at 0.4: one pair at most; the other gold claim is missed
    gold, preds = [c(0, 10), c(12, 22)], [c(0, 22)]
    result = classify("d", gold, preds, "lenient", 0.4)
    assert [o.kind for o in result.outcomes].count(MATCHED) == 1
    assert [o.kind for o in result.outcomes].count(MISSED) == 1
    # and one gold claim is never matched twice either
    result = classify("d", preds, gold, "lenient", 0.4)
    assert [o.kind for o in result.outcomes].count(MATCHED) == 1
    assert [o.kind for o in result.outcomes].count(SPURIOUS) == 1


def test_optimal_beats_greedy():
    # | pair     | gold 0-10 (G1) | gold 4-14 (G2) |
    # | pred 1-11 (P1) | 9/11 = 0.82 | 7/13 = 0.54 |
    # | pred 0-6  (P2) | 6/10 = 0.60 | 2/14 = 0.14 (below 0.5) |
    # Greedy on best IoU takes G1-P1 first and is left with one pair;
    # the optimal matching pairs G1-P2 and G2-P1: two pairs.
    gold, preds = [c(0, 10), c(4, 14)], [c(1, 11), c(0, 6)]
    assert pairs(gold, preds) == [(0, 1), (1, 0)]


def test_equal_counts_broken_by_total_iou():
    # | pair          | gold 0-10 | gold 2-12 |
    # | pred 2-12     | 8/12      | 1.0       |
    # | pred 0-10     | 1.0       | 8/12      |
    # Both pairings have two pairs; the identical pairs give total IoU 2.0 > 1.33.
    gold, preds = [c(0, 10), c(2, 12)], [c(2, 12), c(0, 10)]
    assert pairs(gold, preds) == [(0, 1), (1, 0)]
    for gold_perm in itertools.permutations(range(2)):
        for pred_perm in itertools.permutations(range(2)):
            g = [gold[i] for i in gold_perm]
            p = [preds[i] for i in pred_perm]
            found = {(g[a].start, p[b].start) for a, b in pairs(g, p)}
            assert found == {(0, 0), (2, 2)}


def test_order_does_not_matter():
    for seed in range(20):
        rng = random.Random(seed)
        gold, preds = GOLD + [c(3, 12), c(21, 29, Q)], PREDS + [c(1, 9), c(24, 33, Q)]
        expected = {(gold[g], preds[p]) for g, p in pairs(gold, preds)}
        g, p = gold[:], preds[:]
        rng.shuffle(g)
        rng.shuffle(p)
        assert {(g[a], p[b]) for a, b in pairs(g, p)} == expected


def test_exact_ties_break_on_content_not_input_order():
    # two identical-span predictions that differ only by claimant: "A" sorts first
    gold = [c(0, 10)]
    a, b = c(0, 10, claimant="A"), c(0, 10, claimant="B")
    assert [preds[p] for preds in ([a, b], [b, a]) for _, p in pairs(gold, preds)] == [a, a]


# ---------------------------------------------------------------- the machinery, against brute force

def brute_force(n_gold: int, n_pred: int, edges: dict[tuple[int, int], float]) -> tuple[int, float]:
    """(most pairs, best total weight among those) by trying every assignment."""
    best = (0, 0.0)
    for perm in itertools.permutations(range(n_pred + n_gold), n_gold):
        chosen = [(g, p) for g, p in enumerate(perm) if (g, p) in edges]
        best = max(best, (len(chosen), round(sum(edges[e] for e in chosen), 9)))
    return best


def test_optimal_pairs_match_brute_force():
    rng = random.Random(0)
    for _ in range(150):
        n_gold, n_pred = rng.randint(1, 4), rng.randint(1, 4)
        gold = [c(k, k + 1) for k in range(n_gold)]
        preds = [c(k, k + 1) for k in range(n_pred)]
        edges = {(g, p): rng.choice([0.5, 0.6, 0.75, 1.0]) for g in range(n_gold) for p in range(n_pred)
                 if rng.random() < 0.6}
        if not edges:
            continue
        keys = sorted(edges)
        types = type_index_of([gold], [preds])
        mask = optimal_pairs(np.array([k[0] for k in keys]), np.array([k[1] for k in keys]),
                             np.array([edges[k] for k in keys]), Spans.build([gold], types),
                             Spans.build([preds], types))
        chosen = [k for k, keep in zip(keys, mask) if keep]
        assert len({g for g, _ in chosen}) == len({p for _, p in chosen}) == len(chosen)
        assert (len(chosen), round(sum(edges[k] for k in chosen), 9)) == brute_force(n_gold, n_pred, edges)


@pytest.mark.parametrize("pairs_first", [True, False])
def test_sparse_assignment_matches_brute_force(pairs_first):
    """Most pairs then most weight (claims), or most weight alone (CEAF), on random sparse graphs with ties."""
    rng = random.Random(1)
    for _ in range(300):
        n, m = rng.randint(1, 4), rng.randint(1, 4)
        edges = {(r, col): rng.choice([0.0, 0.5, 0.6, 1.0, rng.random()]) for r in range(n) for col in range(m)
                 if rng.random() < 0.6}
        chosen = assign(n, m, [(r, col, w) for (r, col), w in edges.items()], pairs_first=pairs_first)
        assert len(set(chosen.values())) == len(chosen) and all(cell in edges for cell in chosen.items())
        found = (len(chosen) if pairs_first else 0, round(sum(edges[cell] for cell in chosen.items()), 9))
        best = (0, 0.0)
        for perm in itertools.permutations(range(m + n), n):  # columns >= m: the row stays alone
            taken = [cell for cell in enumerate(perm) if cell in edges]
            best = max(best, (len(taken) if pairs_first else 0, round(sum(edges[cell] for cell in taken), 9)))
        assert found == best, (n, m, edges)


def test_a_chain_of_overlapping_claims_costs_about_its_edges():
    """Thousands of claims overlapping in one chain form one component; the solver keeps only its edges."""
    import tracemalloc

    def chain(n):
        gold = [c(10 * k, 10 * k + 35) for k in range(n)]
        preds = [c(10 * k + 5, 10 * k + 35) for k in range(n)]
        tracemalloc.start()
        found = pairs(gold, preds)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return found, peak

    small, small_peak = chain(250)
    large, large_peak = chain(2000)
    assert large == [(k, k) for k in range(2000)] and small == [(k, k) for k in range(250)]
    assert large_peak < 12 * small_peak  # 8 times the claims; a dense matrix would take 64 times the memory


def test_overlapping_pairs_match_brute_force():
    rng = random.Random(2)
    for _ in range(50):
        def claims():
            out = []
            for _ in range(rng.randint(0, 12)):
                start = rng.randint(0, 40)
                out.append(c(start, start + rng.randint(1, 15)))
            return out

        gold_docs = [claims() for _ in range(3)]
        pred_docs = [claims() for _ in range(3)]
        types = type_index_of(gold_docs, pred_docs)
        gold, preds = Spans.build(gold_docs, types), Spans.build(pred_docs, types)
        g, p = overlapping_pairs(gold, preds)
        found = set(zip(g.tolist(), p.tolist()))
        expected = {
            (i, j) for i, j in itertools.product(range(len(gold)), range(len(preds)))
            if gold.doc[i] == preds.doc[j] and char_iou(gold.claims[i], preds.claims[j]) > 0
        }
        assert found == expected and len(g) == len(found)


def test_every_claim_gets_exactly_one_outcome():
    rng = random.Random(3)
    for _ in range(100):
        gold = [c(s, s + rng.randint(1, 12), rng.choice([Q, P])) for s in rng.sample(range(40), rng.randint(0, 8))]
        preds = [c(s, s + rng.randint(1, 12), rng.choice([Q, P])) for s in rng.sample(range(40), rng.randint(0, 8))]
        for scheme in SCHEMES:
            result = classify("d", gold, preds, scheme)
            assert sorted(o.gold for o in result.outcomes if o.gold is not None) == list(range(len(gold)))
            assert sorted(o.pred for o in result.outcomes if o.pred is not None) == list(range(len(preds)))
            assert {o.kind for o in result.outcomes} <= set(OUTCOMES)


def test_spans_must_be_non_empty():
    with pytest.raises(ValueError, match="0 <= start < end"):
        match_claims([c(5, 5)], [c(0, 10)], "lenient")


def test_document_result_to_dict():
    result = classify("d", [c(0, 10)], [c(0, 8)], "lenient")
    assert result.to_dict() == {"doc_id": "d", "outcomes": [
        {"kind": MATCHED, "gold": 0, "pred": 0, "similarity": 0.8}]}
