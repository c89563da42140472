"""Paragraph units, unit counts and the bootstrap in bench.significance."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from bench.records import CLAIM_TYPES, Claim, Document
from bench.scoring import ATTRIBUTION_COLUMNS, Counts, claim_metrics, score, unit_columns
from bench.significance import (
    _group_rows,
    Paragraphs,
    Units,
    bootstrap,
    paired_test,
    paragraph_of,
    paragraph_starts,
    percentile_intervals,
    resampled_totals,
    units_from_arrays,
    units_to_arrays,
)

Q, P, S, E = CLAIM_TYPES


# ---------------------------------------------------------------- paragraphs

@pytest.mark.parametrize(
    "text, starts",
    [
        ("one\ntwo", [0, 4]),
        ("one\n\n\ntwo\n", [0, 6]),
        ("\n\none", [2]),
        ("a\r\nb\rc", [0, 3, 5]),
        ("", [0]),
        ("\n\n", [0]),
        ("single paragraph", [0]),
    ],
)
def test_paragraph_starts(text, starts):
    assert paragraph_starts(text) == starts


def test_paragraph_of():
    starts = paragraph_starts("abc\n\ndef\nghi")  # [0, 5, 9]
    assert [paragraph_of(starts, k) for k in (0, 2, 3, 4, 5, 8, 9, 11)] == [0, 0, 0, 0, 1, 1, 2, 2]
    assert paragraph_of(paragraph_starts("\n\nabc"), 0) == 0


def test_paragraphs_agree_with_paragraph_of():
    rng = random.Random(0)
    texts = ["".join(rng.choice("ab \n\r") for _ in range(rng.randint(0, 40))) for _ in range(30)]
    doc_ids = [f"doc{k}" for k in range(len(texts))]
    paragraphs = Paragraphs(doc_ids, texts)
    expected_keys, doc, position, expected_units = [], [], [], []
    for k, text in enumerate(texts):
        starts = paragraph_starts(text)
        first = len(expected_keys)
        expected_keys.extend(f"{doc_ids[k]}:{i}" for i in range(len(starts)))
        for offset in range(len(text) + 1):
            doc.append(k)
            position.append(offset)
            expected_units.append(first + paragraph_of(starts, offset))
    keys = [f"{d}:{i}" for d, size in zip(paragraphs.doc_ids, paragraphs.sizes.tolist()) for i in range(size)]
    assert keys == expected_keys
    assert paragraphs.unit_of(np.array(doc), np.array(position)).tolist() == expected_units


# ---------------------------------------------------------------- unit counts

def corpus(seed: int, n_docs: int = 4, quality: float = 0.7):
    """Documents of a few paragraphs, gold claims, and predictions right with probability ``quality``."""
    rng = random.Random(seed)
    documents, gold, preds = {}, {}, {}
    for k in range(n_docs):
        doc_id = f"d{k}"
        text = "\n\n".join("w" * 60 for _ in range(5))
        documents[doc_id] = Document(doc_id, text)
        gold[doc_id], preds[doc_id] = [], []
        for paragraph in range(5):
            base = paragraph * 62
            for start in (base, base + 30):
                claim = Claim(doc_id, start, start + 20, rng.choice(CLAIM_TYPES), claimant="x")
                gold[doc_id].append(claim)
                r = rng.random()
                if r < quality:
                    preds[doc_id].append(claim)
                elif r < quality + (1 - quality) / 2:
                    preds[doc_id].append(Claim(doc_id, start + 21, start + 28, claim.type))
    return documents, gold, preds


def metrics(totals):
    return claim_metrics(totals, len(CLAIM_TYPES))


def units_of(counts: np.ndarray, groups=("d",)) -> Units:
    """Units of one group from counts shaped (units, types, 3), no attribution statistics."""
    flat = counts.reshape(len(counts), -1)
    attribution = np.zeros((len(counts), len(ATTRIBUTION_COLUMNS)), flat.dtype)
    return Units(groups=list(groups), sizes=[len(counts)], columns=unit_columns(CLAIM_TYPES),
                 counts=np.concatenate([flat, attribution], axis=1))


def test_scores_are_sums_of_unit_counts():
    documents, gold, preds = corpus(0)
    for scheme in ("lenient", "strict", "detection"):
        result = score(gold=gold, predictions=preds, documents=documents, scheme=scheme)
        totals = result.units.total()
        per_type = {t: Counts(*map(int, totals[:12].reshape(4, 3)[k])) for k, t in enumerate(CLAIM_TYPES)}
        assert result.per_type == per_type
        assert result.micro == Counts(*map(int, totals[:12].reshape(4, 3).sum(axis=0)))
        found = metrics(totals)
        assert found["micro_f1"] == result.micro.f1
        assert found["micro_precision"] == result.micro.precision
        assert found["macro_f1"] == pytest.approx(result.macro["f1"])
        assert list(found["f1"]) == [result.per_type[t].f1 for t in CLAIM_TYPES]


def test_undefined_metrics_are_nan_in_the_bootstrap_and_none_in_scores():
    totals = np.zeros(12 + len(ATTRIBUTION_COLUMNS))
    totals[CLAIM_TYPES.index("event") * 3 + 2] = 3  # three missed events, nothing predicted
    found = metrics(totals)
    assert np.isnan(found["micro_precision"]) and found["micro_recall"] == 0.0
    assert np.isnan(found["precision"]).all() and np.isnan(found["f1"][0])


def test_unit_counts_round_trip_through_run_arrays():
    documents, gold, preds = corpus(1)
    units = score(gold=gold, predictions=preds, documents=documents).units
    again = units_from_arrays(units_to_arrays(units, "lenient"), "lenient")
    assert again.keys == units.keys and again.columns == units.columns
    assert np.array_equal(again.counts, units.counts)
    assert units_to_arrays(units, "x")["x.counts"].dtype == np.uint8  # small counts are stored small
    fractions = Units(units.groups, units.sizes, units.columns, units.counts.astype(float) + np.eye(*units.counts.shape) / 3)
    stored = units_to_arrays(fractions, "y")
    assert stored["y.counts"].dtype == np.uint8 and stored["y.sums"].dtype == np.float64  # sums of fractions stay exact
    assert np.array_equal(units_from_arrays(stored, "y").counts, fractions.counts)


def test_unit_counts_shape_is_checked():
    with pytest.raises(ValueError, match="shape"):
        Units(groups=["a"], sizes=[1], columns=unit_columns(CLAIM_TYPES), counts=np.zeros((2, 20)))


def test_units_are_held_compactly_and_give_their_counts_back_exactly():
    """A long document's hundred thousand paragraphs must not cost dense float rows per scheme."""
    counts = np.zeros((1000, 20))
    counts[::7, 0] = 3
    counts[::11, 15] = [k / 3 for k in range(len(counts[::11]))]  # a sum of fractions
    counts[5, 16] = -0.0  # a sign a dense row keeps
    units = Units(groups=["d"], sizes=[1000], columns=unit_columns(CLAIM_TYPES), counts=counts)
    assert units.whole.dtype == np.uint8 and list(units.sum_columns) == [15, 16]
    assert units.whole.nbytes + units.sums.nbytes < counts.nbytes / 3
    back = units.counts
    assert back.dtype == np.float64 and np.array_equal(back, counts) and np.signbit(back[5, 16])
    assert np.array_equal(units.total(), counts.sum(axis=0))
    whole = Units(groups=["d"], sizes=[1000], columns=unit_columns(CLAIM_TYPES), counts=counts[:, :15].astype(int)
                  .repeat(2, axis=1)[:, :20])
    assert whole.counts.dtype == np.int64 and whole.sums is None


# ---------------------------------------------------------------- bootstrap

def test_grouped_resampling_has_the_distribution_of_drawing_units():
    """Drawing group counts from a multinomial is drawing units one by one: same mean and spread."""
    rng = np.random.default_rng(5)
    counts = rng.integers(0, 3, size=(40, 12))
    counts[20:] = counts[0]  # many equal rows: few groups
    grouped = resampled_totals(counts, 4000, np.random.default_rng(7))
    draws = np.random.default_rng(8).integers(0, 40, size=(4000, 40))
    direct = counts[draws].sum(axis=1)
    assert np.allclose(grouped.mean(axis=0), direct.mean(axis=0), rtol=0.03, atol=0.3)
    assert np.allclose(grouped.std(axis=0), direct.std(axis=0), rtol=0.1, atol=0.3)
    assert np.allclose(grouped.mean(axis=0), counts.sum(axis=0), rtol=0.03, atol=0.3)  # unbiased
    assert np.array_equal(resampled_totals(counts, 50, np.random.default_rng(1)),
                          resampled_totals(counts, 50, np.random.default_rng(1)))  # seeded


def test_bootstrap_intervals():
    documents, gold, preds = corpus(2, n_docs=6)
    result = score(gold=gold, predictions=preds, documents=documents)
    ci = bootstrap(result.units, metrics, n=500, seed=3)
    assert ci == bootstrap(result.units, metrics, n=500, seed=3)  # seeded
    assert ci != bootstrap(result.units, metrics, n=500, seed=4)
    low, high = ci["micro_f1"]
    assert low < result.micro.f1 < high
    for name in ("precision", "recall"):
        low, high = ci[f"micro_{name}"]
        assert low <= getattr(result.micro, name) <= high
    assert len(ci["f1"]) == len(CLAIM_TYPES)
    for interval in ci["f1"]:
        assert 0 <= interval[0] <= interval[1] <= 1
    assert ci["macro_f1"][0] <= result.macro["f1"] <= ci["macro_f1"][1]
    json.dumps(ci)
    wide, narrow = ci["micro_f1"], bootstrap(result.units, metrics, n=500, seed=3, level=0.5)["micro_f1"]
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


def _quantile_by_column(values, level):
    """The reference: np.quantile on each column's defined values, one column at a time."""
    if values.ndim > 1:
        return [_quantile_by_column(values[:, k], level) for k in range(values.shape[1])]
    defined = values[~np.isnan(values)]
    tail = (1 - level) / 2
    return [float(x) for x in np.quantile(defined, [tail, 1 - tail])] if defined.size else None


@pytest.mark.parametrize("shape", [(1,), (2,), (7,), (1000,), (999, 4), (500, 3, 2), (3, 1, 5)])
def test_percentile_intervals_are_numpys_quantiles_to_the_bit(shape):
    rng = np.random.default_rng(sum(shape))
    for level in (0.95, 0.5, 0.9, 0.999):
        values = rng.random(shape) * rng.choice([1.0, 1e-9, 3e7])
        values[rng.random(shape) < 0.2] = np.nan  # undefined resamples
        values[rng.random(shape) < 0.2] = 0.5  # ties
        if values.ndim > 1:
            values[:, 0] = np.nan  # a column never defined
        assert percentile_intervals(values, level) == _quantile_by_column(values, level)


def test_more_data_gives_narrower_intervals():
    widths = []
    for n_docs in (3, 30):
        documents, gold, preds = corpus(4, n_docs=n_docs)
        low, high = bootstrap(score(gold=gold, predictions=preds, documents=documents).units, metrics,
                              n=400)["micro_f1"]
        widths.append(high - low)
    assert widths[1] < widths[0] / 2


def test_perfect_system_has_a_point_interval():
    documents, gold, _ = corpus(5)
    ci = bootstrap(score(gold=gold, predictions=gold, documents=documents).units, metrics, n=200)
    assert ci["micro_f1"] == [1.0, 1.0]


def test_bad_arguments():
    documents, gold, preds = corpus(6)
    units = score(gold=gold, predictions=preds, documents=documents).units
    with pytest.raises(ValueError, match="resamples"):
        bootstrap(units, metrics, n=0)
    with pytest.raises(ValueError, match="seed"):
        bootstrap(units, metrics, seed=-1)
    with pytest.raises(ValueError, match="level"):
        bootstrap(units, metrics, level=95)
    with pytest.raises(ValueError, match="no units"):
        bootstrap(Units(groups=[], sizes=[], columns=unit_columns(CLAIM_TYPES), counts=np.zeros((0, 20))), metrics)


# ---------------------------------------------------------------- paired test

def test_a_system_against_itself():
    documents, gold, preds = corpus(7)
    units = score(gold=gold, predictions=preds, documents=documents).units
    result = paired_test(units, units, metrics, n=200)
    assert result["micro_f1"] == {"delta": 0.0, "p_value": 1.0}
    assert result["f1"] == {"delta": [0.0] * 4, "p_value": [1.0] * 4}


def test_a_clearly_better_system():
    documents, gold, weak = corpus(8, n_docs=10, quality=0.3)
    good = score(gold=gold, predictions=gold, documents=documents).units
    bad = score(gold=gold, predictions=weak, documents=documents).units
    result = paired_test(bad, good, metrics, n=500, seed=1)  # delta = good - bad
    assert result["micro_f1"]["delta"] > 0.3
    assert result["micro_f1"]["p_value"] < 0.01
    reverse = paired_test(good, bad, metrics, n=500, seed=1)
    assert reverse["micro_f1"]["delta"] == -result["micro_f1"]["delta"]
    assert reverse["micro_f1"]["p_value"] == result["micro_f1"]["p_value"]
    assert paired_test(bad, good, metrics, n=500, seed=1) == result


def test_p_value_is_the_two_sided_sign_flip_share():
    # unit 0: a is right and b wrong; units 1-3: a and b equally right.
    # A resample keeps a ahead unless it draws unit 0 zero times: (3/4)**4 = 0.316 of the time,
    # so p = 2 * 0.316 = 0.63.
    a = np.zeros((4, 4, 3), np.int64)
    b = np.zeros((4, 4, 3), np.int64)
    a[:, 0, 0] = 1  # every unit: one true positive for a
    b[1:, 0, 0] = 1
    b[0, 0, 2] = 1  # unit 0: b misses it
    result = paired_test(units_of(b), units_of(a), metrics, n=20000, seed=0)
    assert result["micro_f1"]["delta"] == pytest.approx(1 - 6 / 7)
    assert result["micro_f1"]["p_value"] == pytest.approx(2 * 0.75 ** 4, abs=0.03)


def test_paired_test_needs_the_same_units():
    documents, gold, preds = corpus(9)
    a = score(gold=gold, predictions=preds, documents=documents).units
    fewer = {k: documents[k] for k in list(documents)[:-1]}
    b = score(gold={k: gold[k] for k in fewer}, predictions=preds, documents=fewer).units
    with pytest.raises(ValueError, match="not scored on the same documents and gold"):
        paired_test(a, b, metrics)
    c = Units(a.groups, a.sizes, unit_columns(CLAIM_TYPES[:2]), np.concatenate([a.counts[:, :6], a.counts[:, 12:]], 1))
    with pytest.raises(ValueError, match="different statistics"):
        paired_test(a, c, metrics)


def test_float_rows_are_grouped_as_unique_along_rows():
    """Rows with float sums are grouped by hashing and come in np.unique(axis=0)'s order, with its counts."""
    rng = np.random.default_rng(3)
    for trial in range(200):
        rows = rng.integers(0, 3, size=(int(rng.integers(1, 200)), int(rng.integers(0, 6)))).astype(float)
        if rows.shape[1] and trial % 2:
            rows[:, -1] = rng.choice([0.0, 0.5, 1 / 3, 2 / 3, 1.25], size=len(rows))
        groups, sizes = _group_rows(rows)
        expected, inverse = np.unique(rows, axis=0, return_inverse=True)
        assert np.array_equal(groups, expected)
        assert np.array_equal(sizes, np.bincount(inverse.ravel(), minlength=len(expected)))


def test_long_texts_give_the_same_paragraphs_without_being_split(monkeypatch):
    import bench.significance as significance

    rng = random.Random(4)
    texts = ["".join(rng.choice("ab \n\r") for _ in range(rng.randint(0, 40))) for _ in range(300)]
    doc_ids = [str(k) for k in range(len(texts))]
    split = Paragraphs(doc_ids, texts)
    monkeypatch.setattr(significance, "_SPLIT_AT_MOST", 0)
    found = Paragraphs(doc_ids, texts)
    assert np.array_equal(found.sizes, split.sizes) and np.array_equal(found._key, split._key)
    for k, text in enumerate(texts):
        assert (found._key[found.first[k]:found.first[k] + found.sizes[k]] % found._stride).tolist() == \
            paragraph_starts(text)
