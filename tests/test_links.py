"""The links task: every metric on hand-worked clusterings (singletons and empty ones included),
MUC, B³ and CEAFₑ against scorch on random clusterings, and the task itself over gold and
predicted claims."""

import json
import statistics

import pytest
import scorch.scores
from conftest import GOLD, SEEDS, one_line_error, runs_in
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import coref
from bench.cli import main
from bench.corpus import load_corpus
from bench.exceptions import InputError

# The example of Moosavi & Strube (2016), section 4: key {a b c}, {d e f g};
# response {a b}, {c d}, {f g h i} (h and i are not in the key).
KEY = [set("abc"), set("defg")]
RESPONSE = [set("ab"), set("cd"), set("fghi")]


def _prf(precision, recall):
    f1 = None if precision is None or recall is None else (
        0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))
    return {"precision": pytest.approx(precision) if precision is not None else None,
            "recall": pytest.approx(recall) if recall is not None else None,
            "f1": pytest.approx(f1) if f1 is not None else None}


def test_every_metric_on_the_lea_paper_example():
    s = coref.evaluate(KEY, RESPONSE)
    # MUC: key {abc} split in 2 parts (1 link of 2 kept), {defg} in 3 ({d}, {e} absent, {fg}): 1 of 3
    assert s["muc"] == _prf(precision=(1 + 0 + 1) / (1 + 1 + 3), recall=(1 + 1) / (2 + 3))
    # B³: recall (2²+1²)/3 + (1²+2²)/4 over 7 mentions; precision (2²/2 + (1+1)/2 + 2²/4) over 8
    assert s["b3"] == _prf(precision=(2 + 1 + 1) / 8, recall=(5 / 3 + 5 / 4) / 7)
    # CEAFₑ: φ4(abc, ab) = 4/5 and φ4(defg, fghi) = 4/8 is the best alignment (1.3)
    assert s["ceafe"] == _prf(precision=1.3 / 3, recall=1.3 / 2)
    # LEA, as the paper works it: recall (3·1/3 + 4·1/6)/7, precision (2·1 + 2·0 + 4·1/6)/8
    assert s["lea"] == _prf(precision=(2 * 1 + 2 * 0 + 4 / 6) / 8, recall=(3 / 3 + 4 / 6) / 7)
    conll = (s["muc"]["f1"] + s["b3"]["f1"] + s["ceafe"]["f1"]) / 3
    assert s["conll"]["f1"] == pytest.approx(conll)


def test_identical_clusterings_score_one_everywhere():
    key = [set("abc"), {"d"}, set("ef")]
    s = coref.evaluate(key, [set(e) for e in key])
    for name in coref.METRICS:
        assert s[name] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert s["conll"]["f1"] == 1.0


def test_singletons_only_response():
    """The floor: every mention alone. MUC has no link to score on the response side, so its
    precision, F1 and the CoNLL mean are n/a, not 0; LEA credits a singleton only where the key
    has it alone too."""
    key = [{"a"}, set("bc")]
    response = [{"a"}, {"b"}, {"c"}]
    s = coref.evaluate(key, response)
    assert s["muc"] == {"precision": None, "recall": 0.0, "f1": None}
    assert s["conll"]["f1"] is None
    assert s["b3"] == _prf(precision=1.0, recall=(1 + 2 * 0.5) / 3)
    # CEAFₑ: {a}-{a} φ 1, {bc}-{b} φ 2/3
    assert s["ceafe"] == _prf(precision=(1 + 2 / 3) / 3, recall=(1 + 2 / 3) / 2)
    assert s["lea"] == _prf(precision=1 / 3, recall=1 / 3)


def test_singletons_only_key():
    key = [{"a"}, {"b"}]
    s = coref.evaluate(key, [set("ab")])
    assert s["muc"] == {"precision": 0.0, "recall": None, "f1": None}
    assert s["b3"] == _prf(precision=0.5, recall=1.0)
    assert s["lea"] == _prf(precision=0.0, recall=0.0)


@pytest.mark.parametrize("key, response", [([], []), ([set("ab"), {"c"}], []), ([], [set("ab"), {"c"}])])
def test_empty_clusterings(key, response):
    s = coref.evaluate(key, response)
    for name in coref.METRICS:
        assert (s[name]["recall"] is None) == (not key)
        assert (s[name]["precision"] is None) == (not response)
        if key and not response:
            assert s[name]["recall"] == 0.0 and s[name]["f1"] is None
        if response and not key:
            assert s[name]["precision"] == 0.0 and s[name]["f1"] is None
    assert s["conll"]["f1"] is None


def test_clustering_applies_the_singleton_policy():
    groups, mentions = [["a", "b"], []], ["a", "b", "c"]
    assert coref.clustering(groups, mentions) == [{"a", "b"}, {"c"}]
    assert coref.clustering(groups, mentions, singletons=False) == [{"a", "b"}]
    assert coref.clustering([["a"]], mentions, singletons=False) == []


@st.composite
def _clusterings(draw):
    """Two random clusterings of overlapping mention sets (twinless mentions on both sides)."""
    mentions = list(range(draw(st.integers(1, 14))))

    def one():
        present = [m for m in mentions if draw(st.booleans()) or draw(st.booleans())]
        entities = {}
        for m in present:
            entities.setdefault(draw(st.integers(0, max(1, len(present) // 2))), set()).add(m)
        return list(entities.values())

    return one(), one()


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # inside scorch's harmonic mean
@settings(max_examples=300, deadline=None)
@given(pair=_clusterings())
def test_muc_b3_ceafe_agree_with_scorch(pair):
    key, response = pair
    if key and response:  # else scorch defines these as 0; ours are n/a (see test_empty_clusterings)
        _assert_agrees_with_scorch(coref.evaluate(key, response), key, response)


def _assert_agrees_with_scorch(ours: dict, key, response) -> None:
    """MUC, B³ and CEAFₑ of ``ours`` (by name: recall, precision, f1) equal scorch's on the same clusterings."""
    for name, theirs in (("b3", scorch.scores.b_cubed), ("ceafe", scorch.scores.ceaf_e), ("muc", scorch.scores.muc)):
        try:
            recall, precision, f1 = theirs(key, response)
        except statistics.StatisticsError:  # scorch's harmonic mean of 0 and 0
            assert ours[name]["f1"] == 0.0, name
            continue
        if name == "muc" and (all(len(k) == 1 for k in key) or all(len(r) == 1 for r in response)):
            # scorch returns 0, 0, 0 when a side has no link; ours leave that side n/a
            assert ours["muc"]["f1"] is None or ours["muc"]["f1"] == 0.0
            continue
        assert ours[name]["recall"] == pytest.approx(recall, abs=1e-12), name
        assert ours[name]["precision"] == pytest.approx(precision, abs=1e-12), name
        assert ours[name]["f1"] == pytest.approx(f1, abs=1e-12), name


@st.composite
def _partitions(draw):
    """Two random partitions (key, response) of the same claims, singletons included."""
    n = draw(st.integers(2, 14))

    def one():
        labels = [draw(st.integers(0, max(1, n // 2))) for _ in range(n)]
        groups = {}
        for claim, label in enumerate(labels):
            groups.setdefault(label, []).append(claim)
        return list(groups.values())

    return n, one(), one()


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # inside scorch's harmonic mean
@settings(max_examples=150, deadline=None)
@given(case=_partitions())
def test_the_links_task_agrees_with_scorch_on_the_path_runs_use(case):
    """MUC, B³ and CEAFₑ as a run computes them (task, unit statistics, their sums, one formula) against scorch."""
    import msgspec

    from bench.pipeline import make_config
    from bench.records import Claim, ClaimRef, Corpus, Document, Links
    from bench.tasks.links import TASK

    n, key, response = case
    text = " ".join(f"w{k}" for k in range(n))
    claims = [Claim("d", text.index(f"w{k}"), text.index(f"w{k}") + len(f"w{k}"), "event", claimant="author",
                    attribution="author", id=f"c{k}") for k in range(n)]
    ref = [ClaimRef("d", f"c{k}") for k in range(n)]
    gold = Links(clusters={f"k{i}": [ref[c] for c in group] for i, group in enumerate(key) if len(group) > 1})
    corpus = Corpus(documents={"d": Document("d", text)}, gold={"d": claims}, links=gold)
    config = make_config(task="links", n_bootstrap=0)
    predicted = {"clusters": [{"id": f"r{i}", "claims": [{"doc_id": "d", "id": f"c{c}"} for c in group]}
                              for i, group in enumerate(response) if len(group) > 1], "conflicts": []}
    entry = msgspec.to_builtins(TASK.score(corpus, TASK.from_objects(predicted, corpus, config), config)
                                .scores["singletons"])
    _assert_agrees_with_scorch(entry, [set(g) for g in key], [set(g) for g in response])


# ---------------------------------------------------------------- the task


def _links_file(path, clusters, conflicts=()):
    path.write_text(json.dumps({"clusters": [{"id": f"k{i}", "claims": [{"doc_id": d, "id": c} for d, c in members]}
                                             for i, members in enumerate(clusters)],
                                "conflicts": [{"a": a, "b": b, "why": "test"} for a, b in conflicts]}),
                    encoding="utf-8")
    return path


def _score(args, capsys, tmp_path):
    assert main(["score", *args, "--task", "links", "--bootstrap", "0", "--format", "json", "--quiet",
                 "--out", str(tmp_path / "runs")]) == 0
    return json.loads(capsys.readouterr().out)["scores"]


@pytest.fixture(scope="module")
def gold_links():
    return json.loads((GOLD / "links.json").read_text(encoding="utf-8"))


def test_gold_links_scored_against_themselves_are_perfect(tmp_path, capsys):
    scores = _score([str(GOLD / "links.json")], capsys, tmp_path)
    for scheme in ("singletons", "no-singletons"):
        entry = scores[scheme]
        assert entry["setting"] == "gold claims"
        for name in coref.METRICS:
            assert entry[name] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
        assert entry["conll"]["f1"] == 1.0
        assert entry["conflicts"]["f1"] == 1.0 and entry["conflicts"]["tp"] > 0


def test_the_floor_is_not_applicable_where_it_links_nothing(tmp_path, capsys):
    scores = _score([str(_links_file(tmp_path / "floor.json", []))], capsys, tmp_path)
    with_singletons, without = scores["singletons"], scores["no-singletons"]
    assert with_singletons["muc"]["precision"] is None and with_singletons["conll"]["f1"] is None
    assert with_singletons["b3"]["precision"] == 1.0 and 0 < with_singletons["b3"]["recall"] < 1
    assert without["b3"]["precision"] is None and without["b3"]["recall"] == 0.0
    assert with_singletons["conflicts"]["precision"] is None and with_singletons["conflicts"]["recall"] == 0.0


def test_a_conflict_between_clusters_is_every_pair_across_them(tmp_path, capsys, gold_links):
    by_id = {c["id"]: c["claims"] for c in gold_links["clusters"]}

    def size(side):
        return len(by_id[side]) if isinstance(side, str) else 1

    expected = sum(size(c["a"]) * size(c["b"]) for c in gold_links["conflicts"])
    assert expected > len(gold_links["conflicts"])  # the gold conflict is between clusters
    scores = _score([str(GOLD / "links.json")], capsys, tmp_path)
    assert scores["singletons"]["conflicts"]["tp"] == expected


def _claims_run(tmp_path, capsys, keep, change=lambda row: row):
    """A claims run whose predictions are the gold claims (with their ids) kept by ``keep`` and
    passed through ``change``, plus one invented claim."""
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    rows = [change({"doc_id": d, "id": c.id, "start": c.start, "end": c.end, "type": c.type})
            for d in corpus.doc_ids for c in corpus.gold[d] if keep(d, c.id)]
    first = corpus.doc_ids[0]
    rows.append({"doc_id": first, "id": "invented", "start": 0, "end": 10, "type": "event"})
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "claims-runs"
    assert main(["score", str(path), "--bootstrap", "0", "--quiet", "--out", str(out)]) == 0
    capsys.readouterr()
    (run,) = runs_in(out)
    return run, first


def test_end_to_end_over_all_gold_claims_equals_the_gold_claims_setting(tmp_path, capsys):
    run, _ = _claims_run(tmp_path, capsys, keep=lambda d, c: True)
    over_gold = _score([str(GOLD / "links.json")], capsys, tmp_path)
    end_to_end = _score([str(GOLD / "links.json"), "--claims-run", str(run)], capsys, tmp_path)
    assert end_to_end["singletons"]["setting"] == "end to end"
    assert end_to_end["singletons"]["counts"]["spurious_mentions"] == 1
    # the invented claim is a spurious singleton: precision of the entity metrics drops, recall does not
    for name in ("b3", "ceafe", "lea"):
        assert end_to_end["singletons"][name]["recall"] == over_gold["singletons"][name]["recall"]
        assert end_to_end["singletons"][name]["precision"] < over_gold["singletons"][name]["precision"]
    # without singletons the spurious claim is left out, and the two settings agree
    for name in coref.METRICS:
        assert end_to_end["no-singletons"][name] == over_gold["no-singletons"][name]
    assert end_to_end["singletons"]["conflicts"] == over_gold["singletons"]["conflicts"]


def test_end_to_end_a_missed_claim_costs_its_links(tmp_path, capsys, gold_links):
    member = gold_links["clusters"][0]["claims"][0]
    run, _ = _claims_run(tmp_path, capsys, keep=lambda d, c: (d, c) != (member["doc_id"], member["id"]))
    clusters = [dict(c, claims=[m for m in c["claims"] if m != member]) for c in gold_links["clusters"]]
    links = {"clusters": [c for c in clusters if len(c["claims"]) > 1],
             "conflicts": [c for c in gold_links["conflicts"] if member not in (c["a"], c["b"])]}
    path = tmp_path / "links.json"
    path.write_text(json.dumps(links), encoding="utf-8")
    entry = _score([str(path), "--claims-run", str(run)], capsys, tmp_path)["no-singletons"]
    assert entry["muc"]["precision"] == 1.0 and entry["muc"]["recall"] < 1.0
    assert entry["b3"]["recall"] < 1.0


def test_end_to_end_a_claim_stands_for_the_gold_claim_whose_span_it_matched(tmp_path, capsys, gold_links):
    """Of whatever type (links are about propositions); a boundary partner stands for nothing."""
    from bench.records import CLAIM_TYPES

    retyped = lambda row: row | {"type": CLAIM_TYPES[(CLAIM_TYPES.index(row["type"]) + 1) % len(CLAIM_TYPES)]}
    (tmp_path / "retyped").mkdir(), (tmp_path / "shrunk").mkdir()
    run, _ = _claims_run(tmp_path / "retyped", capsys, keep=lambda d, c: True, change=retyped)
    end_to_end = _score([str(GOLD / "links.json"), "--claims-run", str(run)], capsys, tmp_path / "retyped")
    over_gold = _score([str(GOLD / "links.json")], capsys, tmp_path / "gold")
    for metric in ("muc", "b3", "ceafe", "lea", "conflicts"):  # without singletons: the invented claim is one
        assert end_to_end["no-singletons"][metric] == over_gold["no-singletons"][metric], metric
    member = gold_links["clusters"][0]["claims"][0]
    shrunk = lambda row: row | ({"end": row["start"] + (row["end"] - row["start"]) // 3}
                                if (row["doc_id"], row["id"]) == (member["doc_id"], member["id"]) else {})
    run, _ = _claims_run(tmp_path / "shrunk", capsys, keep=lambda d, c: True, change=shrunk)
    entry = _score([str(GOLD / "links.json"), "--claims-run", str(run)], capsys, tmp_path / "shrunk")["singletons"]
    assert entry["b3"]["precision"] < 1.0 and entry["b3"]["recall"] < 1.0  # a spurious mention, and one missed


def test_end_to_end_refers_to_the_run_claims_not_the_gold(tmp_path, capsys):
    run, _ = _claims_run(tmp_path, capsys, keep=lambda d, c: c != "c1")
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    doc = corpus.doc_ids[0]
    path = _links_file(tmp_path / "bad.json", [[(doc, "c1"), (doc, "c2")]])
    code = main(["score", str(path), "--task", "links", "--claims-run", str(run), "--quiet",
                 "--out", str(tmp_path / "runs")])
    one_line_error(code, capsys.readouterr().err, f"claim {doc}/c1 is not a claim of run")


def test_api_and_cli_sign_an_end_to_end_links_run_alike(tmp_path, capsys):
    import bench

    run, _ = _claims_run(tmp_path, capsys, keep=lambda d, c: True)
    assert main(["score", str(GOLD / "links.json"), "--task", "links", "--claims-run", str(run), "--bootstrap", "0",
                 "--quiet", "--format", "json", "--name", "links", "--out", str(tmp_path / "runs")]) == 0
    cli = json.loads(capsys.readouterr().out)
    api = bench.evaluate(GOLD / "links.json", task="links", claims_run=run, bootstrap=0, name="links")
    assert "|claims:" in cli["signature"]
    assert api.signature == cli["signature"]


def test_two_claims_runs_with_one_id_sign_their_links_runs_apart(tmp_path, capsys):
    signatures = []
    for k, keep in enumerate((lambda d, c: True, lambda d, c: c != "c1")):
        (tmp_path / str(k)).mkdir()
        run, _ = _claims_run(tmp_path / str(k), capsys, keep=keep)
        renamed = run.parent / "same-id"
        run.rename(renamed)
        results = json.loads((renamed / "results.json").read_text(encoding="utf-8"))
        results["run_id"] = "same-id"
        (renamed / "results.json").write_text(json.dumps(results), encoding="utf-8")
        floor = _links_file(tmp_path / "floor.json", [])
        assert main(["score", str(floor), "--task", "links", "--claims-run", str(renamed),
                     "--bootstrap", "0", "--format", "json", "--quiet", "--out", str(tmp_path / str(k) / "l")]) == 0
        signatures.append(json.loads(capsys.readouterr().out)["signature"])
    assert all("|claims:same-id#" in s for s in signatures) and signatures[0] != signatures[1]


@pytest.mark.parametrize("damage", ["truncated", "edited"])
def test_a_changed_claims_run_is_refused(tmp_path, capsys, damage):
    run, _ = _claims_run(tmp_path, capsys, keep=lambda d, c: True)
    preds = run / "predictions.jsonl"
    lines = preds.read_text(encoding="utf-8").splitlines(keepends=True)
    if damage == "truncated":
        preds.write_text("".join(lines[:-5]), encoding="utf-8")
    else:
        preds.write_text("".join(reversed(lines)), encoding="utf-8")  # the same claims, other lines
    code = main(["score", str(GOLD / "links.json"), "--task", "links", "--claims-run", str(run), "--quiet",
                 "--out", str(tmp_path / "runs")])
    one_line_error(code, capsys.readouterr().err, f"{preds}: is not the file this run wrote")
    assert not (tmp_path / "runs").exists()
    code = main(["report", str(run)])
    one_line_error(code, capsys.readouterr().err, f"{preds}: is not the file this run wrote")


def test_settings_the_links_task_never_reads_are_warned_about_and_change_nothing(tmp_path, capsys):
    plain = _score([str(GOLD / "links.json")], capsys, tmp_path)
    assert main(["score", str(GOLD / "links.json"), "--task", "links", "--iou", "0.8", "--align-threshold", "0.7",
                 "--bootstrap", "0", "--format", "json", "--quiet", "--out", str(tmp_path / "tuned")]) == 0
    captured = capsys.readouterr()
    results = json.loads(captured.out)
    expected = ["threshold (--iou) 0.8 does not apply to task links; it is ignored",
                "align threshold (--align-threshold) 0.7 does not apply to task links; it is ignored"]
    assert [f"bench: warning: {w}" for w in expected] == [line for line in captured.err.splitlines()
                                                          if "does not apply" in line]
    assert results["warnings"] == expected and results["scores"] == plain


def test_links_report_shows_every_gold_cluster_and_conflict(tmp_path, capsys, gold_links):
    from bench.pages import render_report

    floor = _links_file(tmp_path / "floor.json", [])
    for source, verdict, state in ((GOLD / "links.json", "kept whole", "found"), (floor, "not linked", "missed")):
        out = tmp_path / f"runs-{state}"
        assert main(["score", str(source), "--task", "links", "--bootstrap", "0", "--quiet", "--out", str(out)]) == 0
        capsys.readouterr()
        (run,) = runs_in(out)
        page = render_report([run])
        for cluster in gold_links["clusters"]:
            assert f"<b>{cluster['id']}</b>" in page
            for member in cluster["claims"]:
                assert f'data-doc="{member["doc_id"]}" data-id="{member["id"]}"' in page
        assert page.count(f'<div class="who">{verdict}') == len(gold_links["clusters"])  # the legend names it too
        assert page.count(f'<tr class="{state}">') == _score([str(source)], capsys, tmp_path)["singletons"][
            "conflicts"]["tp" if state == "found" else "fn"]


@pytest.mark.parametrize("change, expected", [
    (lambda r: r["clusters"].append(dict(r["clusters"][0])), "duplicate cluster id"),
    (lambda r: r["clusters"][0]["claims"].__setitem__(slice(None), r["clusters"][0]["claims"][:1]),
     "needs at least two different claims"),
    (lambda r: r["clusters"][0]["claims"].append(r["clusters"][0]["claims"][0]), "twice"),
    (lambda r: r["clusters"][1]["claims"].append(r["clusters"][0]["claims"][0]), "is in clusters"),
    (lambda r: r["conflicts"].append({"a": r["clusters"][0]["id"], "b": r["clusters"][0]["id"], "why": "x"}),
     "conflicts with itself"),
    (lambda r: r["conflicts"].append({"a": "nope", "b": r["clusters"][0]["id"], "why": "x"}), 'names no cluster "nope"'),
])
def test_a_badly_built_links_file_is_refused(tmp_path, capsys, gold_links, change, expected):
    record = json.loads(json.dumps(gold_links))
    change(record)
    path = tmp_path / "links.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    code = main(["score", str(path), "--task", "links", "--quiet", "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    one_line_error(code, err, expected)
    assert err.startswith(f"bench: error: {path}: ")
    assert not (tmp_path / "runs").exists()


def test_the_report_of_an_end_to_end_run_finds_its_claims_run_in_a_sibling_folder(tmp_path, capsys, monkeypatch):
    from bench.pages import render_report

    run, _ = _claims_run(tmp_path, capsys, keep=lambda d, c: True)
    assert main(["score", str(GOLD / "links.json"), "--task", "links", "--claims-run", str(run), "--bootstrap", "0",
                 "--quiet", "--out", str(tmp_path / "links-runs")]) == 0
    capsys.readouterr()
    (links_run,) = runs_in(tmp_path / "links-runs")
    monkeypatch.chdir(tmp_path / "links-runs")  # no results/ here: the claims run is found beside the links runs
    assert "ClaimBench links" in render_report([links_run])
    (run / "predictions.jsonl").rename(tmp_path / "away.jsonl")
    with pytest.raises(InputError, match="predictions.jsonl: is missing"):
        render_report([links_run])
