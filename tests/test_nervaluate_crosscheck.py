"""Our ``strict`` scheme agrees with nervaluate's ``strict`` on non-overlapping spans.

nervaluate reports correct / incorrect / partial / missed / spurious and computes
precision = correct / actual, recall = correct / possible, where
actual = correct + incorrect + partial + spurious and possible = correct + incorrect + partial + missed.
So, in our terms:

| ours | nervaluate (strict)     |
|------|-------------------------|
| tp   | correct                 |
| fp   | actual - correct   = incorrect + spurious (partial is always 0 under strict) |
| fn   | possible - correct = incorrect + missed                                   |

nervaluate matches greedily in list order, which only coincides with an optimal matching
when neither side has overlapping spans; hence the non-overlapping inputs. Its spans have
inclusive ends, ours exclusive: end - 1 is passed.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nervaluate import Evaluator

from bench.records import CLAIM_TYPES, Claim, Document
from bench.scoring import Counts, score

TEXT = "x" * 200


def non_overlapping(rng: random.Random, doc_id: str, *, from_spans=()) -> list[Claim]:
    """Random disjoint spans; about half reuse a span of ``from_spans`` so exact hits happen."""
    claims, taken = [], set()
    candidates = [(c.start, c.end) for c in from_spans if rng.random() < 0.6]
    candidates += [(s, s + rng.randint(1, 15)) for s in (rng.randint(0, 180) for _ in range(rng.randint(0, 10)))]
    rng.shuffle(candidates)
    for start, end in candidates:
        cells = set(range(start, end))
        if cells & taken:
            continue
        taken |= cells
        claims.append(Claim(doc_id, start, end, rng.choice(CLAIM_TYPES)))
    rng.shuffle(claims)
    return claims


def nervaluate_counts(gold, preds, doc_ids):
    def spans(claims_by_doc):
        return [[{"label": c.type, "start": c.start, "end": c.end - 1} for c in claims_by_doc[d]] for d in doc_ids]

    results = Evaluator(spans(gold), spans(preds), tags=list(CLAIM_TYPES), loader="dict").evaluate()

    def ours(result) -> Counts:
        fp = result.incorrect + result.partial + result.spurious
        fn = result.incorrect + result.partial + result.missed
        return Counts(result.correct, fp, fn)

    strict = results["overall"]["strict"]
    per_type = {t: ours(r["strict"]) for t, r in results["entities"].items()}
    return ours(strict), per_type, (strict.precision, strict.recall, strict.f1)


def check(seed: int, n_docs: int) -> None:
    rng = random.Random(seed)
    doc_ids = [f"d{k}" for k in range(n_docs)]
    gold = {d: non_overlapping(rng, d) for d in doc_ids}
    preds = {d: non_overlapping(rng, d, from_spans=gold[d]) for d in doc_ids}
    if not any(gold.values()) and not any(preds.values()):
        return  # nervaluate cannot infer anything from nothing
    result = score(gold=gold, predictions=preds, documents={d: Document(d, TEXT) for d in doc_ids}, scheme="strict")
    overall, per_type, (precision, recall, f1) = nervaluate_counts(gold, preds, doc_ids)
    assert result.micro == overall
    for t in CLAIM_TYPES:
        assert result.per_type[t] == per_type.get(t, Counts())
    # nervaluate writes 0 where a ratio has nothing to divide; ClaimBench says n/a (None)
    assert (result.micro.precision or 0.0) == pytest.approx(precision)
    assert (result.micro.recall or 0.0) == pytest.approx(recall)
    assert (result.micro.f1 or 0.0) == pytest.approx(f1)


def test_strict_counts_equal_nervaluate_on_a_seeded_sweep():
    for seed in range(60):
        check(seed, n_docs=1 + seed % 5)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**9), st.integers(1, 4))
def test_strict_counts_equal_nervaluate(seed, n_docs):
    check(seed, n_docs)


def test_the_mapping_on_a_hand_case():
    # | gold     | pred      | nervaluate strict | ours      |
    # | 0-10 Q   | 0-10 Q    | correct           | tp        |
    # | 20-30 Q  | 20-30 E   | incorrect         | fp + fn   |
    # | 40-50 Q  | 42-50 Q   | incorrect         | fp + fn   |
    # | 60-70 P  |           | missed            | fn        |
    # |          | 80-90 S   | spurious          | fp        |
    q, p, s, e = CLAIM_TYPES
    gold = {"d": [Claim("d", 0, 10, q), Claim("d", 20, 30, q), Claim("d", 40, 50, q), Claim("d", 60, 70, p)]}
    preds = {"d": [Claim("d", 0, 10, q), Claim("d", 20, 30, e), Claim("d", 42, 50, q), Claim("d", 80, 90, s)]}
    overall, _, _ = nervaluate_counts(gold, preds, ["d"])
    result = score(gold=gold, predictions=preds, documents={"d": Document("d", TEXT)}, scheme="strict")
    assert result.micro == overall == Counts(1, 3, 3)
