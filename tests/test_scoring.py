"""Hand-computed cases for bench.scoring: counts, averages, attribution, units, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.records import CLAIM_TYPES, Claim, Document
from bench.matching import BOUNDARY, MATCHED, MISSED, OUTCOMES, SPURIOUS, WRONG_TYPE
from bench.claimants import ClaimantTable, normalise_name
from bench.scoring import ATTRIBUTION_COLUMNS, Counts, claim_metrics, score

Q, P, S, E = CLAIM_TYPES

# 4 paragraphs: "d:0" at 0, "d:1" at 101, "d:2" at 203 (after a blank line), "d:3" at 305
TEXT = "a" * 100 + "\n" + "b" * 100 + "\n\n" + "c" * 100 + "\n\n" + "d" * 50
DOCS = {"d": Document("d", TEXT), "e": Document("e", "x" * 60)}


def c(start, end, type_=Q, doc="d", **extra) -> Claim:
    return Claim(doc, start, end, type_, **extra)


def run(gold, preds, **kwargs):
    gold_by_doc, pred_by_doc = {}, {}
    for claim in gold:
        gold_by_doc.setdefault(claim.doc_id, []).append(claim)
    for claim in preds:
        pred_by_doc.setdefault(claim.doc_id, []).append(claim)
    return score(gold=gold_by_doc, predictions=pred_by_doc, documents=DOCS, **kwargs)


# ---------------------------------------------------------------- Counts

def test_counts_derived_values():
    counts = Counts(tp=3, fp=1, fn=2)
    assert counts.support == 5
    assert counts.precision == 0.75
    assert counts.recall == 0.6
    assert counts.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert Counts(1, 2, 3) + Counts(10, 20, 30) == Counts(11, 22, 33)


@pytest.mark.parametrize("counts, expected", [
    (Counts(), (None, None, None)),  # nothing predicted, nothing to find: every ratio undefined
    (Counts(0, 4, 0), (0.0, None, 0.0)),  # no gold: recall undefined
    (Counts(0, 0, 4), (None, 0.0, 0.0)),  # nothing predicted: precision undefined, not 0
    (Counts(0, 2, 2), (0.0, 0.0, 0.0)),
])
def test_undefined_ratios_are_none_not_zero(counts, expected):
    assert (counts.precision, counts.recall, counts.f1) == expected


def test_micro_and_macro():
    # | type       | tp | fp | fn | P    | R    | F1   |
    # | quantity   | 2  | 2  | 0  | 0.5  | 1.0  | 2/3  |
    # | prediction | 1  | 0  | 1  | 1.0  | 0.5  | 2/3  |
    # | position   | 0  | 0  | 0  | (absent: left out of macro) |
    # | event      | 0  | 1  | 0  | 0    | n/a  | 0    |
    # micro: tp 3, fp 3, fn 1 -> P 0.5, R 0.75, F1 0.6
    # macro: each mean over the present types where the value is defined
    # the same formulas, on the totals every run stores (``claim_metrics``)
    attribution = [0] * len(ATTRIBUTION_COLUMNS)
    m = claim_metrics(np.array([2, 2, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, *attribution]), 4)
    assert (m["micro_precision"], m["micro_recall"]) == (0.5, 0.75)
    assert m["micro_f1"] == pytest.approx(0.6)
    assert m["macro_precision"] == pytest.approx(1.5 / 3)
    assert m["macro_recall"] == pytest.approx(1.5 / 2)
    assert m["macro_f1"] == pytest.approx((2 / 3 + 2 / 3) / 3)
    nothing = claim_metrics(np.zeros(12 + len(ATTRIBUTION_COLUMNS)), 4)
    assert all(np.isnan(nothing[f"macro_{name}"]) for name in ("precision", "recall", "f1"))
    assert np.isnan(nothing["claimant_accuracy"]) and np.isnan(nothing["joint_f1"])


# ---------------------------------------------------------------- per-type counting rules

def test_per_type_table():
    # | gold      | pred       | lenient outcome | counts                 |
    # | 0-10 Q    | 0-10 Q     | matched         | Q tp                   |
    # | 20-30 P   | 20-30 E    | wrong_type      | P fn, E fp             |
    # | 40-60 S   | 50-70 S    | boundary (1/3)  | S fn, S fp             |
    # | 80-90 Q   |            | missed          | Q fn                   |
    # |           | 110-120 E  | spurious        | E fp                   |
    gold = [c(0, 10, Q), c(20, 30, P), c(40, 60, S), c(80, 90, Q)]
    preds = [c(0, 10, Q), c(20, 30, E), c(50, 70, S), c(110, 120, E)]
    result = run(gold, preds)
    assert result.per_type == {Q: Counts(1, 0, 1), P: Counts(0, 0, 1), S: Counts(0, 1, 1), E: Counts(0, 2, 0)}
    assert result.micro == Counts(1, 3, 3)
    assert result.documents.counts() == {MATCHED: 1, WRONG_TYPE: 1, BOUNDARY: 1, MISSED: 1, SPURIOUS: 1}


def test_spurious_prediction_counts_against_its_own_type_only():
    # nervaluate #66: one extra "event" prediction must not lower the quantity scores
    gold, preds = [c(0, 10, Q)], [c(0, 10, Q)]
    before = run(gold, preds)
    after = run(gold, preds + [c(50, 60, E)])
    assert after.per_type[Q] == before.per_type[Q] == Counts(1, 0, 0)
    assert after.per_type[E] == Counts(0, 1, 0)
    assert all(after.per_type[t] == Counts() for t in (P, S))


def test_detection_credits_the_gold_type():
    result = run([c(0, 10, Q)], [c(0, 10, E)], scheme="detection")
    assert result.per_type[Q] == Counts(1, 0, 0)
    assert result.per_type[E] == Counts()
    assert result.micro == Counts(1, 0, 0)


def test_strict_and_lenient_differ_on_boundaries():
    gold, preds = [c(0, 10)], [c(0, 9)]  # IoU 0.9
    assert run(gold, preds).micro == Counts(1, 0, 0)
    assert run(gold, preds, scheme="strict").micro == Counts(0, 1, 1)
    assert run(gold, preds, threshold=0.95).micro == Counts(0, 1, 1)


def test_documents_scored_are_exactly_the_given_ones():
    # predictions in a document without gold are spurious; gold outside `documents` is an error
    result = run([c(0, 10)], [c(0, 10), c(0, 5, doc="e")])
    assert result.micro == Counts(1, 1, 0)
    ignored = score(gold={"d": [c(0, 10)]}, predictions={"d": [c(0, 10)], "zzz": [c(0, 5, doc="zzz")]},
                    documents=DOCS)
    assert ignored.micro == Counts(1, 0, 0)
    with pytest.raises(ValueError, match="zzz"):
        score(gold={"zzz": [c(0, 5, doc="zzz")]}, predictions={}, documents=DOCS)


def test_unknown_scheme_and_type():
    with pytest.raises(ValueError, match="lenient, strict, detection"):
        run([c(0, 10)], [], scheme="partial")
    with pytest.raises(ValueError, match='type "opinion" in document "d" is not one of quantity'):
        run([c(0, 10)], [c(0, 10, "opinion")])
    restricted = run([c(0, 10, Q)], [c(0, 10, Q)], types=(Q, P))
    assert list(restricted.per_type) == [Q, P]


def test_the_results_entry_has_its_typed_shape():
    import msgspec

    from bench.pipeline import make_config
    from bench.records import Corpus
    from bench.tasks.claims import TASK, ClaimScores

    corpus = Corpus(documents=DOCS, gold={"d": [c(0, 10)], "e": []})
    config = make_config(n_bootstrap=0)
    entry = TASK.score(corpus, TASK.from_objects([c(0, 10)], corpus, config), config).scores["lenient"]
    assert isinstance(entry, ClaimScores)
    data = msgspec.to_builtins(entry)
    assert list(data["per_type"]) == list(CLAIM_TYPES)
    keys = {"precision", "recall", "f1", "tp", "fp", "fn", "support"}
    assert all(set(v) == keys for v in data["per_type"].values())
    assert set(data["micro"]) == keys
    assert set(data["macro"]) == {"precision", "recall", "f1"}
    assert (data["scheme"], data["threshold"]) == ("lenient", 0.5)
    assert msgspec.convert(json.loads(json.dumps(data)), ClaimScores) == entry  # written and read with one shape


def test_document_results():
    result = run([c(0, 10), c(20, 30)], [c(1, 10), c(0, 5, doc="e")])
    assert [r.doc_id for r in result.documents] == ["d", "e"]
    d, e = result.documents
    assert sorted((o.kind, o.gold, o.pred) for o in d.outcomes) == [(MATCHED, 0, 0), (MISSED, 1, None)]
    assert [(o.kind, o.gold, o.pred, o.similarity) for o in e.outcomes] == [(SPURIOUS, None, 0, None)]
    assert result.documents[-1].doc_id == "e"
    assert json.loads(json.dumps(result.documents.to_dict()))[0]["outcomes"][0]["similarity"] == 0.9
    assert set(result.documents.counts()) == set(OUTCOMES)


# ---------------------------------------------------------------- attribution

CLAIMANTS = {"Volodymyr Zelensky": ["Zelenskyy", "President Zelensky"], "Vladimir Putin": ["Putin"]}


def test_normalise_name():
    assert normalise_name("  Président\tZELENSKÝ ") == "zelensky"  # accents, case, spacing, a leading title
    assert normalise_name("The city council") == normalise_name("city council") == "city council"
    assert normalise_name("Mr. Holt's") == "holt"
    assert normalise_name("Minister") == "minister"  # a name that is all title keeps its word
    table = ClaimantTable(CLAIMANTS)
    assert table["président  zelensky"] == table["ZELENSKYY"] == "Volodymyr Zelensky"
    assert table["Author"] == "author"
    assert table["Someone Else"] == "someone else"
    assert table[None] is None
    assert table.same("Volodymyr Zelensky", "zelenskyy") and not table.same("Vladimir Putin", "zelenskyy")
    assert not table.same("Vladimir Putin", None) and not table.same(None, None)


def test_conflicting_aliases_are_refused():
    with pytest.raises(ValueError, match='alias "putin" names both "Vladimir Putin" and "Someone"'):
        ClaimantTable({"Vladimir Putin": ["Putin"], "Someone": ["putin"]})


def test_attribution_table():
    # | gold span, claimant, form          | pred claimant, form      | claimant | form  |
    # | 0-10 Volodymyr Zelensky, direct    | président zelensky, direct | right  | right |
    # | 20-30 Vladimir Putin, indirect     | PUTIN, direct              | right  | wrong |
    # | 40-50 author, author               | Author, None               | right  | wrong (missing) |
    # | 60-70 Vladimir Putin, direct       | None, direct               | wrong (missing) | right |
    # | 101-111 Vladimir Putin, direct     | Zelenskyy, direct          | wrong  | right |
    # | 150-160 quantity                   | 150-160 event              | not a lenient pair |
    # | (none)                             | 203-213 spurious           | |
    gold = [
        c(0, 10, claimant="Volodymyr Zelensky", attribution="direct"),
        c(20, 30, claimant="Vladimir Putin", attribution="indirect"),
        c(40, 50, claimant="author", attribution="author"),
        c(60, 70, claimant="Vladimir Putin", attribution="direct"),
        c(101, 111, claimant="Vladimir Putin", attribution="direct"),
        c(150, 160, claimant="Vladimir Putin", attribution="direct"),
    ]
    preds = [
        c(0, 10, claimant="président zelensky", attribution="direct"),
        c(21, 30, claimant="PUTIN", attribution="direct"),
        c(40, 50, claimant="Author"),
        c(60, 70, attribution="direct"),
        c(101, 111, claimant="Zelenskyy", attribution="direct"),
        c(150, 160, E, claimant="Vladimir Putin", attribution="direct"),
        c(203, 213, claimant="Vladimir Putin", attribution="direct"),
    ]
    result = run(gold, preds, claimants=CLAIMANTS)
    attribution = result.attribution
    assert result.n_matched == 5
    # a field a prediction leaves out counts in the coverage, not against the accuracy
    assert attribution["claimant_coverage"] == pytest.approx(4 / 5)
    assert attribution["claimant_accuracy"] == pytest.approx(3 / 4)
    assert attribution["claimant_token_f1"] == pytest.approx(3 / 4)  # "Zelenskyy" shares no token with "Putin"
    assert attribution["attribution_coverage"] == pytest.approx(4 / 5)
    assert attribution["attribution_accuracy"] == pytest.approx(3 / 4)
    # joint: 3 pairs right on span, type and claimant, out of 7 predictions and 6 gold claims
    assert result.joint == Counts(3, 4, 3)


def test_attribution_uses_lenient_pairs_whatever_the_scheme():
    gold = [c(0, 10, claimant="Vladimir Putin", attribution="direct")]
    preds = [c(0, 9, claimant="Putin", attribution="direct")]  # IoU 0.9: not strict
    strict = run(gold, preds, scheme="strict", claimants=CLAIMANTS)
    assert strict.micro == Counts(0, 1, 1)
    assert strict.n_matched == 1 and strict.attribution["claimant_accuracy"] == 1.0
    assert strict.threshold == 1.0 and strict.attribution_threshold == 0.5
    # the threshold still moves the attribution pairs under strict
    assert run(gold, preds, scheme="strict", threshold=0.95).n_matched == 0


def test_no_pairs_gives_no_accuracy():
    result = run([c(0, 10)], [])
    attribution = result.attribution
    assert (attribution["claimant_accuracy"], attribution["attribution_accuracy"], result.n_matched) == (None, None, 0)
    assert attribution["claimant_coverage"] is None
    assert result.joint is None  # no prediction names a claimant


def test_span_only_predictions_have_no_claimant_accuracy():
    gold = [c(0, 10)]
    bare = Claim("d", 0, 10, Q)
    result = run(gold, [bare])
    attribution = result.attribution
    assert result.n_matched == 1
    assert (attribution["claimant_accuracy"], attribution["attribution_accuracy"], result.joint) == (None, None, None)
    assert attribution["claimant_coverage"] == 0.0  # none of the matched predictions gives a claimant
    named = Claim("d", 0, 10, Q, claimant="somebody else")
    result = run(gold, [named])
    assert result.attribution["claimant_accuracy"] == 0.0 and result.attribution["attribution_accuracy"] is None
    assert result.joint == Counts(0, 1, 1)


# ---------------------------------------------------------------- units

def test_counts_are_filed_by_paragraph():
    # | claim                 | paragraph | unit |
    # | gold 0-10 matched     | 0         | d:0 tp |
    # | gold 101-111 missed   | 1         | d:1 fn |
    # | pred 203-213 spurious | 2         | d:2 fp |
    # | pred 100-104 (starts on the line break at 100: paragraph 0) | d:0 fp |
    # | gold e 0-10 missed    | 0         | e:0 fn |
    result = run([c(0, 10), c(101, 111), c(0, 10, doc="e")], [c(0, 10), c(203, 213), c(100, 104, E)])
    units = result.units
    assert units.keys == ["d:0", "d:1", "d:2", "d:3", "e:0"]
    q, e = CLAIM_TYPES.index(Q), CLAIM_TYPES.index(E)
    expected = np.zeros((5, 4, 3), dtype=np.int64)
    expected[0, q, 0] = 1  # tp
    expected[1, q, 2] = 1  # fn
    expected[2, q, 1] = 1  # fp
    expected[0, e, 1] = 1  # fp
    expected[4, q, 2] = 1  # fn
    assert np.array_equal(units.counts[:, :12], expected.reshape(5, 12))
    totals = units.total()[:12].reshape(4, 3)
    assert {t: Counts(*map(int, totals[k])) for k, t in enumerate(CLAIM_TYPES)} == result.per_type
