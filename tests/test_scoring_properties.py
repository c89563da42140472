"""Properties of the scorer that must hold for any input (hypothesis)."""

from __future__ import annotations

import itertools
import random
from msgspec.structs import replace

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bench.records import CLAIM_TYPES, Claim, Document
from bench.matching import SCHEMES, char_iou, match_claims, text_f1
from bench.scoring import Counts, score

SETTINGS = settings(max_examples=60, deadline=None)
TEXT_LENGTH = 120
NAMES = ("Vladimir Putin", "putin", "Kyiv", None)


def text_for(doc_id: str) -> str:
    # paragraphs of 29 characters separated by a newline
    return "\n".join(doc_id[0] * 29 for _ in range(4))[:TEXT_LENGTH]


@st.composite
def claims_of(draw, doc_id: str, max_size: int = 8):
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        if out and draw(st.booleans()):  # often the same span again, to make ties
            start, end = out[-1].start, out[-1].end
        else:
            start = draw(st.integers(0, TEXT_LENGTH - 2))
            end = draw(st.integers(start + 1, min(TEXT_LENGTH, start + 40)))
        out.append(Claim(doc_id, start, end, draw(st.sampled_from(CLAIM_TYPES)),
                         claimant=draw(st.sampled_from(NAMES)),
                         attribution=draw(st.sampled_from(("direct", "indirect", None)))))
    return out


@st.composite
def corpora(draw):
    doc_ids = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True))
    documents = {d: Document(d, text_for(d)) for d in doc_ids}
    gold = {d: draw(claims_of(d)) for d in doc_ids}
    preds = {d: draw(claims_of(d)) for d in doc_ids}
    return documents, gold, preds


def numbers(result) -> dict:
    data = {"per_type": result.per_type, "macro": result.macro, "attribution": result.attribution,
            "joint": result.joint, "n_matched": result.n_matched}
    return {**data, "units": (result.units.keys, result.units.counts.tolist()), "outcomes": result.documents.counts()}


def outcome_claims(result, gold, preds) -> list:
    """Outcomes with the claims they name instead of list positions."""
    found = []
    for doc in result.documents:
        for o in doc.outcomes:
            found.append((doc.doc_id, o.kind, None if o.gold is None else gold[doc.doc_id][o.gold],
                          None if o.pred is None else preds[doc.doc_id][o.pred], o.similarity))
    return sorted(found, key=repr)


@SETTINGS
@given(corpora(), st.sampled_from(sorted(SCHEMES)))
def test_perfect_predictions_score_one(corpus, scheme):
    documents, gold, _ = corpus
    assume(any(gold.values()))
    result = score(gold=gold, predictions=gold, documents=documents, scheme=scheme)
    assert (result.micro.precision, result.micro.recall, result.micro.f1) == (1.0, 1.0, 1.0)
    assert result.macro == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    for counts in result.per_type.values():
        assert counts.fp == counts.fn == 0
    claims = [c for v in gold.values() for c in v]
    assert result.n_matched == len(claims)
    if all(c.claimant for c in claims):  # a missing claimant is never right
        assert result.attribution["claimant_accuracy"] == 1.0 and result.joint.f1 == 1.0
    if all(c.attribution for c in claims):
        assert result.attribution["attribution_accuracy"] == 1.0


@SETTINGS
@given(corpora(), st.sampled_from(sorted(SCHEMES)), st.randoms(use_true_random=False))
def test_shuffling_changes_nothing(corpus, scheme, rng):
    documents, gold, preds = corpus
    before = score(gold=gold, predictions=preds, documents=documents, scheme=scheme)
    shuffled_gold = {d: rng.sample(v, len(v)) for d, v in gold.items()}
    shuffled_preds = {d: rng.sample(v, len(v)) for d, v in preds.items()}
    after = score(gold=shuffled_gold, predictions=shuffled_preds, documents=documents, scheme=scheme)
    assert numbers(after) == numbers(before)
    assert outcome_claims(after, shuffled_gold, shuffled_preds) == outcome_claims(before, gold, preds)


@SETTINGS
@given(corpora(), st.sampled_from(sorted(SCHEMES)), st.integers(0, TEXT_LENGTH - 2), st.integers(1, 10),
       st.sampled_from(CLAIM_TYPES))
def test_a_spurious_prediction_never_raises_precision(corpus, scheme, start, length, type_):
    documents, gold, preds = corpus
    doc_id = sorted(documents)[0]
    extra = Claim(doc_id, start, min(TEXT_LENGTH, start + length), type_)
    assume(all(char_iou(g, extra) == 0 for g in gold[doc_id]))
    if SCHEMES[scheme].uses_text:  # spurious under `text`: no token in common with any gold claim
        text = documents[doc_id].text
        assume(all(text_f1(replace(g, text=text[g.start:g.end]), replace(extra, text=text[extra.start:extra.end])) == 0
                   for g in gold[doc_id]))
    before = score(gold=gold, predictions=preds, documents=documents, scheme=scheme)
    after = score(gold=gold, predictions={**preds, doc_id: preds[doc_id] + [extra]}, documents=documents,
                  scheme=scheme)
    assert after.micro.precision <= (1.0 if before.micro.precision is None else before.micro.precision)
    assert after.per_type[type_].precision <= (1.0 if before.per_type[type_].precision is None
                                               else before.per_type[type_].precision)
    assert after.micro.recall == before.micro.recall
    for t in CLAIM_TYPES:
        if t != type_:
            assert after.per_type[t] == before.per_type[t]


@SETTINGS
@given(corpora(), st.sampled_from(sorted(SCHEMES)), st.floats(0.05, 1.0))
def test_scores_are_bounded_and_units_add_up(corpus, scheme, threshold):
    documents, gold, preds = corpus
    result = score(gold=gold, predictions=preds, documents=documents, scheme=scheme, threshold=threshold)
    values = [result.micro.precision, result.micro.recall, result.micro.f1, *result.macro.values(),
              result.attribution["claimant_accuracy"], result.attribution["attribution_accuracy"],
              None if result.joint is None else result.joint.f1]
    values += [getattr(c, name) for c in result.per_type.values() for name in ("precision", "recall", "f1")]
    assert all(v is None or 0.0 <= v <= 1.0 for v in values)
    assert (result.micro.precision is None) == (sum(map(len, preds.values())) == 0)  # n/a exactly when nothing predicted
    counts = result.units.counts[:, :len(CLAIM_TYPES) * 3]
    totals = counts.sum(axis=0).reshape(len(CLAIM_TYPES), 3)
    assert result.per_type == {t: Counts(*map(int, totals[k])) for k, t in enumerate(CLAIM_TYPES)}
    n_gold, n_pred = sum(map(len, gold.values())), sum(map(len, preds.values()))
    assert (result.micro.tp + result.micro.fn, result.micro.tp + result.micro.fp) == (n_gold, n_pred)
    assert int(counts.sum()) == n_gold + n_pred - result.micro.tp


@SETTINGS
@given(corpora(), st.sampled_from(sorted(SCHEMES)))
def test_documents_are_scored_independently(corpus, scheme):
    documents, gold, preds = corpus
    together = score(gold=gold, predictions=preds, documents=documents, scheme=scheme)
    alone = [score(gold={d: gold[d]}, predictions={d: preds[d]}, documents={d: documents[d]}, scheme=scheme)
             for d in sorted(documents)]
    for t in CLAIM_TYPES:
        assert together.per_type[t] == sum((r.per_type[t] for r in alone), Counts())
    assert together.units.keys == [k for r in alone for k in r.units.keys]
    assert np.array_equal(together.units.counts, np.concatenate([r.units.counts for r in alone]))
    assert [d.to_dict() for d in together.documents] == [r.documents[0].to_dict() for r in alone]


def best_by_brute_force(gold, preds, scheme, threshold):
    """(most pairs, highest total similarity) over every one-to-one pairing."""
    rule = SCHEMES[scheme]
    best = (0, 0.0)
    for perm in itertools.permutations(range(len(preds) + len(gold)), len(gold)):
        total, size = 0.0, 0
        for g, p in enumerate(perm):
            if p < len(preds):
                sim = rule.similarity(gold[g], preds[p])
                if sim >= threshold and (not rule.typed or gold[g].type == preds[p].type):
                    size += 1
                    total += sim
        best = max(best, (size, round(total, 9)))
    return best


@settings(max_examples=80, deadline=None)
@given(claims_of("a", max_size=4), claims_of("a", max_size=4), st.sampled_from(sorted(SCHEMES)),
       st.sampled_from([0.2, 0.5, 0.8]))
def test_matching_is_optimal(gold, preds, scheme, threshold):
    found = match_claims(gold, preds, scheme, threshold)
    assert len({g for g, _, _ in found}) == len({p for _, p, _ in found}) == len(found)
    assert (len(found), round(sum(s for _, _, s in found), 9)) == best_by_brute_force(
        gold, preds, scheme, SCHEMES[scheme].resolve_threshold(threshold))


def test_random_corpora_against_brute_force_quickly():
    # a wider, seeded sweep than hypothesis runs, on the headline scheme
    rng = random.Random(0)
    for _ in range(200):
        def claims():
            out = []
            for _ in range(rng.randint(0, 5)):
                start = rng.randint(0, 30)
                out.append(Claim("a", start, start + rng.randint(1, 12), rng.choice(CLAIM_TYPES[:2])))
            return out

        gold, preds = claims(), claims()
        found = match_claims(gold, preds, "lenient", 0.4)
        assert (len(found), round(sum(s for _, _, s in found), 9)) == best_by_brute_force(gold, preds, "lenient", 0.4)
