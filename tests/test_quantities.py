"""The quantities scorer: gold scored against itself is perfect, a dropped hedge is hedge loss, and
every figure is what its definition says on hand-worked cases."""

import copy
import functools
import json
import re

import msgspec
import pytest
from conftest import GOLD, ROOT, SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.records import Quantity
from bench.corpus import load_corpus
from bench.pipeline import make_config
from bench.tasks import get_task
from bench.values import compatible, value_exact

DATA = ROOT / "tests" / "data"
CORPORA = {
    "seeds": (GOLD, SEEDS),
    "heldout": (DATA / "heldout" / "gold", DATA / "heldout" / "docs"),
    "figures": (DATA / "figures" / "gold", DATA / "figures" / "docs"),
}
TASK = get_task("quantities")
CONFIG = make_config(task="quantities", n_bootstrap=0)


@functools.cache
def _corpus(name: str):
    gold, docs = CORPORA[name]
    return load_corpus(gold=gold, docs=docs)


@pytest.fixture(params=sorted(CORPORA))
def corpus(request):
    """A fresh copy each time (a test may narrow its gold), loaded once."""
    return copy.deepcopy(_corpus(request.param))


def _interval(q: Quantity) -> tuple:
    return q.low, q.high, q.low_inclusive, q.high_inclusive


def _gold(corpus) -> list[Quantity]:
    return [msgspec.structs.replace(q, doc_id=d) for d in corpus.doc_ids for q in corpus.quantities[d]]


def _score(corpus, predictions: list[Quantity], scheme: str = "lenient") -> dict:
    return msgspec.to_builtins(TASK.score(corpus, TASK.from_objects(predictions, corpus, CONFIG), CONFIG).scores[scheme])


def _drop_hedge(q: Quantity) -> Quantity:
    """What a careless extractor writes: the figure's nearest number as one exact value."""
    value = q.low if q.low is not None else q.high
    return msgspec.structs.replace(q, low=value, high=value, low_inclusive=True, high_inclusive=True,
                                   approximate=False)


@pytest.mark.parametrize("scheme", ["lenient", "strict"])
def test_gold_scored_against_itself_is_perfect_on_every_figure(corpus, scheme):
    gold = _gold(corpus)
    assert gold
    entry = _score(corpus, gold, scheme)
    for block in ("mention", "figure"):
        assert entry[block] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert entry["accuracy"] == dict.fromkeys(("value_exact", "value_compatible", "approximate", "unit", "counted"),
                                              1.0)
    hedged = sum(not q.exact for q in gold)
    assert entry["counts"]["hedged"] == hedged > 0
    assert entry["hedge_loss"] == 0.0


@pytest.mark.parametrize("name", sorted(CORPORA))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_dropped_hedge_is_counted_as_hedge_loss(name, data):
    corpus = _corpus(name)
    gold = _gold(corpus)
    hedged = [i for i, q in enumerate(gold) if not q.exact]
    dropped = set(data.draw(st.lists(st.sampled_from(hedged), unique=True)))
    predictions = [_drop_hedge(q) if i in dropped else q for i, q in enumerate(gold)]
    entry = _score(corpus, predictions)
    assert entry["counts"]["hedge_lost"] == len(dropped)
    assert entry["hedge_loss"] == pytest.approx(len(dropped) / len(hedged))
    # every span is still found; a figure is lost only where the interval changed ("up to 1,000"
    # as 1000), not where only the hedge went ("some 1,730" as 1730 keeps its interval)
    changed = sum(_interval(gold[i]) != _interval(predictions[i]) for i in dropped)
    assert entry["mention"]["f1"] == 1.0
    assert entry["figure"]["recall"] == pytest.approx(1 - changed / len(gold))
    assert entry["accuracy"]["value_exact"] == pytest.approx(1 - changed / len(gold))
    assert entry["accuracy"]["approximate"] == pytest.approx(
        1 - sum(gold[i].approximate for i in dropped) / len(gold))


SOME = Quantity(0, 10, low=1730, high=1730, low_inclusive=True, high_inclusive=True, approximate=True,
                unit="count", counted="Ukrainian soldiers")
UP_TO = Quantity(0, 10, low=None, high=1000, high_inclusive=True, unit="count", counted="civilians")
MORE_THAN_HALF = Quantity(0, 10, low=0.5, high=None, unit="fraction", counted="fighters")


@pytest.mark.parametrize("gold, pred, exact, compat", [
    (SOME, _drop_hedge(SOME), True, True),           # "some 1,730" as 1730: same interval (the hedge is scored apart)
    (UP_TO, _drop_hedge(UP_TO), False, True),        # "up to 1,000" as 1000: 1000 is inside (.., 1000]
    (MORE_THAN_HALF, _drop_hedge(MORE_THAN_HALF), False, False),  # "more than half" as 0.5: (0.5, ..) excludes it
    (UP_TO, msgspec.structs.replace(UP_TO, high_inclusive=False), False, True),
    (UP_TO, msgspec.structs.replace(UP_TO, low=1001, low_inclusive=True), False, False),
    (MORE_THAN_HALF, msgspec.structs.replace(MORE_THAN_HALF, low=1 / 2), True, True),
])
def test_value_exact_and_compatible_by_hand(gold, pred, exact, compat):
    assert value_exact(gold, pred) is exact
    assert compatible(gold, pred) is compat


def test_hand_worked_document():
    """Gold: "some 1,730" (hedged) and "265" (exact) of article 001; three predictions."""
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    doc_id = "001_33d42d98f2e31945"
    some, exact = corpus.quantities[doc_id][:2]
    assert (some.text, exact.text) == ("some 1,730", "265")
    corpus.quantities = {d: ([some, exact] if d == doc_id else []) for d in corpus.doc_ids}
    predictions = [
        # the hedge dropped (the interval is still exact); unit right; counted "soldiers" against
        # "Ukrainian soldiers": token F1 2/3
        Quantity(89, 99, low=1730, high=1730, low_inclusive=True, high_inclusive=True, unit="count",
                 counted="soldiers", doc_id=doc_id),
        # "265" read as "at least 265": compatible, not exact; no unit and no counted phrase given
        Quantity(376, 379, low=265, high=None, low_inclusive=True, doc_id=doc_id),
        # a spurious mention
        Quantity(0, 5, low=1, high=1, low_inclusive=True, high_inclusive=True, doc_id=doc_id),
    ]
    entry = _score(corpus, predictions)
    assert entry["mention"] == {"precision": pytest.approx(2 / 3), "recall": 1.0, "f1": pytest.approx(0.8)}
    assert entry["figure"] == {"precision": pytest.approx(1 / 3), "recall": 0.5, "f1": pytest.approx(0.4)}
    # unit and counted accuracy are over the matched predictions that give the field (one of the two)
    assert entry["accuracy"] == {"value_exact": 0.5, "value_compatible": 1.0, "approximate": 0.5,
                                 "unit": 1.0, "counted": pytest.approx(2 / 3)}
    assert (entry["counts"]["matched"], entry["counts"]["unit_given"], entry["counts"]["counted_given"]) == (2, 1, 1)
    assert (entry["counts"]["hedged"], entry["counts"]["hedge_lost"], entry["hedge_loss"]) == (1, 1, 1.0)


def test_nothing_predicted_is_not_applicable_not_zero(corpus):
    entry = _score(corpus, [])
    assert entry["mention"]["precision"] is None and entry["mention"]["recall"] == 0.0
    assert entry["mention"]["f1"] == 0.0
    assert all(v is None for v in entry["accuracy"].values())
    assert entry["hedge_loss"] is None


@pytest.mark.parametrize("bounds, expected", [
    ({}, "low and high are both null (a figure has at least one bound)"),
    ({"low": 5, "high": 5}, "low and high are both 5 but not both inclusive, so the interval holds no value"),
    ({"low": 5, "high": 5, "low_inclusive": True}, "but not both inclusive"),
])
def test_a_prediction_without_a_value_is_refused_like_gold(tmp_path, capsys, bounds, expected):
    from conftest import one_line_error

    from bench.cli import main
    from bench.exceptions import InputError

    corpus = _corpus("seeds")
    q = _gold(corpus)[0]
    line = {"doc_id": q.doc_id, "start": q.start, "end": q.end, **bounds}
    path = tmp_path / "preds.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    assert main(["score", str(path), "--task", "quantities", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    one_line_error(2, err, expected)
    assert err.startswith(f"bench: error: {path}:1: ")
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError, match=expected.split(" (")[0]):
        TASK.from_objects([Quantity(**{k: v for k, v in line.items()})], corpus, CONFIG)


def test_the_regression_gate_knows_hedge_loss_is_lower_is_better(tmp_path, capsys):
    """A rising hedge-loss rate is a regression and a falling one is not, whichever way the delta points."""
    from bench.cli import main

    corpus = _corpus("figures")
    gold = _gold(corpus)
    hedged = [q for q in gold if q.approximate]
    assert len(hedged) >= 8
    files = {}
    for name, rows in (("kept", gold), ("lost", [_drop_hedge(q) if q.approximate else q for q in gold])):
        files[name] = tmp_path / f"{name}.jsonl"
        files[name].write_text("".join(json.dumps(msgspec.to_builtins(q)) + "\n" for q in rows), encoding="utf-8")
    gold_dir, docs_dir = CORPORA["figures"]
    runs = {}
    for name, path in files.items():
        assert main(["score", str(path), "--task", "quantities", "--gold", str(gold_dir), "--docs", str(docs_dir),
                     "--out", str(tmp_path / name), "--quiet", "--format", "json"]) == 0
        runs[name] = str(next((tmp_path / name).iterdir()))
        capsys.readouterr()
    # hedge loss falls to 0 (and approximate accuracy rises): no regression
    assert main(["compare", runs["lost"], runs["kept"], "--fail-on-regression"]) == 0
    capsys.readouterr()
    # hedge loss rises (the hedged figures among the hedged or bounded): a regression, named with its direction
    assert main(["compare", runs["kept"], runs["lost"], "--fail-on-regression"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"lost: hedge loss \(lower is better\) \+0\.\d{3} \(p=0\.000\)", err)
    assert "approximate accuracy -" in err and "figures" not in err  # the intervals, hence the figures, are kept
