"""Comparing systems: the leaderboard, several systems in one call, error listings, compare across gold."""

from __future__ import annotations

import csv
import io
import json
import re
import sys

import numpy as np
import pytest
from conftest import GOLD, ROOT, SEEDS, gold_as_predictions, one_line_error, runs_in
from test_publishable import _latex_is_clean

from bench.cli import main
from bench.matching import OUTCOMES

REFERENCE = ROOT / "results" / "reference"
SEED_RUNS = sorted((REFERENCE / "seeds" / "claims").iterdir())
HELDOUT = ROOT / "tests" / "data" / "heldout"


def _cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def _own_table(run, capsys) -> dict[str, list[str]]:
    """A run's own table as ``bench score`` prints it, by row name."""
    from bench.runs import read_run, render

    results = read_run(run).results
    table = render(results, results.evaluation["scheme"], "table")
    return {cells[0]: cells for cells in map(_cells, table.splitlines()) if len(cells) >= 4}


def _leaderboard(argv, capsys) -> tuple[int, str, str]:
    code = main(["leaderboard", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---------------------------------------------------------------- the leaderboard

def test_leaderboard_of_the_seed_runs_is_one_narrow_row_each_with_the_runs_own_numbers(capsys):
    assert len(SEED_RUNS) == 4
    code, out, err = _leaderboard(SEED_RUNS, capsys)
    assert code == 0 and not err
    lines = out.splitlines()
    header = next(k for k, line in enumerate(lines) if line.startswith("#"))
    body = [_cells(line) for line in lines[header + 2:header + 6]]
    table = lines[header:header + 6]
    assert all(len(line) < 160 for line in table), max(map(len, table))
    assert lines[header + 6].startswith("†") and all(len(line) < 160 for line in lines[header + 6:])
    assert sorted(row[1] for row in body) == ["rules", "sentences", "tagger", "transformer"]
    columns = _cells(lines[header])
    assert columns[:4] == ["#", "system", "system fields", "micro F1 [95% CI]"]
    assert columns[4:] == ["quantity", "prediction", "position", "event", "claimant accuracy", "joint F1"]
    headline = [float(row[3].split()[0]) for row in body]
    assert headline == sorted(headline, reverse=True) and [row[0] for row in body] == ["1", "2", "3", "4"]
    rows_of_column = {"micro F1 [95% CI]": "micro", "joint F1": "joint"}
    for row in body:
        (run,) = [r for r in SEED_RUNS if r.name.startswith(row[1] + "-")]
        own = _own_table(run, capsys)
        for column, cell in zip(columns[3:], row[3:]):
            name = rows_of_column.get(column, column)
            if column.endswith("[95% CI]"):
                low, high = json.loads((run / "results.json").read_text())["scores"]["lenient"]["ci"]["metrics"][
                    "micro_f1"]
                assert cell.split()[0] == own[name][3] and cell.split()[1:3] == [f"[{low:.2f},", f"{high:.2f}]"]
            else:
                assert cell == own[name][3], (row[1], column)
        fields = json.loads((run / "results.json").read_text())["signature"].split("|model:")[1].split("|")[1:]
        # the table leaves out the hash of a corpus added to the training ("+dev-train#<hash>"), the signature keeps it
        assert row[2] == (re.sub(r"(\+[\w.-]+)#[0-9a-f]{12}", r"\1", " ".join(fields)) or "-")
    marked = [row[1] for row in body if row[3].endswith("†")]
    assert marked == [body[0][1]]  # the best only: the others are significantly below rules


def test_runs_of_two_gold_sets_never_share_a_table(capsys):
    heldout = sorted((REFERENCE / "heldout" / "claims").iterdir())
    code, out, err = _leaderboard([*SEED_RUNS, *heldout], capsys)
    assert code == 0
    data = json.loads(_leaderboard([*SEED_RUNS, *heldout, "--format", "json"], capsys)[1])
    tables = data["tables"]
    assert len(tables) == 2 and [len(t["systems"]) for t in tables] == [4, 4]
    golds = [re.search(r"\|gold:([^|]+)\|", t["evaluation"]).group(1) for t in tables]
    assert len(set(golds)) == 2
    for table in tables:
        assert all(s["signature"].startswith(table["evaluation"] + "|model:") for s in table["systems"])
    assert out.count("claimbench|task:claims|") == 2 and out.count("micro F1 [95% CI]") == 2


def test_folders_are_searched_and_what_is_not_a_run_is_skipped_with_a_note(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a run", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    code, out, err = _leaderboard([REFERENCE / "seeds" / "claims", tmp_path / "notes.txt", tmp_path / "empty"], capsys)
    assert code == 0 and out.count("\n1 ") + out.startswith("1 ") <= 1
    assert f"bench: warning: {tmp_path / 'notes.txt'}: skipped: not a run" in err
    assert f"bench: warning: {tmp_path / 'empty'}: skipped: holds no run" in err
    quoted = str(REFERENCE / "seeds" / "claims" / "*")  # a pattern the shell did not expand
    assert main(["leaderboard", quoted, "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["tables"][0]["systems"]) == 4
    code = main(["leaderboard", str(tmp_path / "nothing-*")])
    one_line_error(code, capsys.readouterr().err, "no run matches")


def test_leaderboard_formats(capsys):
    code, latex, _ = _leaderboard([*SEED_RUNS, "--format", "latex"], capsys)
    assert code == 0 and r"$\dagger$" in latex
    _latex_is_clean(latex)
    code, text, _ = _leaderboard([*SEED_RUNS, "--format", "csv"], capsys)
    records = list(csv.DictReader(io.StringIO(text)))
    assert [r["rank"] for r in records] == ["1", "2", "3", "4"]
    data = json.loads(_leaderboard([*SEED_RUNS, "--format", "json"], capsys)[1])
    systems = data["tables"][0]["systems"]
    for record, system in zip(records, systems):
        assert float(record["value"]) == system["values"]["micro F1"]["value"]
        assert record["system"] == system["label"]
        assert (record["not_below_best"] == "True") == system["not_below_best"]
    # the p-values are Holm's adjustment of the raw ones
    raw = [s["p_value"] for s in systems[1:]]
    order = np.argsort(raw, kind="stable")
    expected, running = [0.0] * len(raw), 0.0
    for step, k in enumerate(order):
        running = max(running, min(1.0, (len(raw) - step) * raw[k]))
        expected[k] = running
    assert [s["p_holm"] for s in systems[1:]] == pytest.approx(expected)


def test_api_leaderboard_is_the_cli_leaderboard(capsys):
    import bench

    board = bench.leaderboard(SEED_RUNS)
    assert board.table(format="markdown") == _leaderboard([*SEED_RUNS, "--format", "markdown"], capsys)[1].rstrip()
    assert board.to_dict()["tables"][0]["systems"][0]["label"] == "rules"
    pandas = pytest.importorskip("pandas")
    frame = board.to_pandas()
    assert isinstance(frame, pandas.DataFrame) and list(frame["system"]) == ["rules", "transformer", "tagger",
                                                                               "sentences"]


# ---------------------------------------------------------------- several systems in one call

def test_score_of_three_files_gives_three_runs_and_one_leaderboard(tmp_path, capsys):
    files = [gold_as_predictions(tmp_path / "full.jsonl"), gold_as_predictions(tmp_path / "half.jsonl", drop_every=2),
             gold_as_predictions(tmp_path / "third.jsonl", drop_every=3)]
    out = tmp_path / "runs"
    assert main(["score", *map(str, files), "--out", str(out), "--bootstrap", "200"]) == 0
    captured = capsys.readouterr()
    runs = runs_in(out)
    assert len(runs) == 3 and captured.err.count("saved run ") == 3
    assert captured.out.count("micro F1 [95% CI]") == 1 and captured.out.count("claimbench|task:claims|") == 1
    shown = [_cells(line) for line in captured.out.splitlines() if re.match(r"\d+\s", line)]
    assert [row[1] for row in shown] == ["full", "third", "half"]
    for row in shown:
        (run,) = [r for r in runs if r.name.startswith(row[1] + "-")]
        micro = json.loads((run / "results.json").read_text())["scores"]["lenient"]["micro"]["f1"]
        assert row[3].split()[0] == f"{micro:.3f}"


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_score_reads_standard_input_named_with_name(tmp_path, capsys, monkeypatch):
    path = gold_as_predictions(tmp_path / "p.jsonl", drop_every=2)
    out = tmp_path / "runs"
    assert main(["score", str(path), "--out", str(tmp_path / "file"), "--format", "json", "--quiet"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    _stdin(monkeypatch, path.read_bytes())
    assert main(["score", "-", "--name", "piped", "--out", str(out), "--format", "json", "--quiet"]) == 0
    piped = json.loads(capsys.readouterr().out)
    assert piped["model"] == "piped" and piped["scores"] == from_file["scores"]
    assert piped["inputs"]["predictions_file"] == "<stdin>"
    assert (runs_in(out)[0] / "predictions.jsonl").read_bytes() == path.read_bytes()
    _stdin(monkeypatch, path.read_bytes())  # with a file beside it, --name once names the run of -
    assert main(["score", str(path), "-", "--name", "piped", "--out", str(out), "--quiet"]) == 0
    assert {r.name.split("-")[0] for r in runs_in(out)} == {"piped", "p"}
    assert capsys.readouterr().out.count("micro F1 [95% CI]") == 1
    _stdin(monkeypatch, b'{"doc_id": "nope", "start": 1, "end": 5, "type": "event"}\n')
    code = main(["score", "-", "--out", str(out)])
    one_line_error(code, capsys.readouterr().err, '<stdin>:1: unknown doc_id "nope"')
    code = main(["score", "-", "-", "--out", str(out)])
    one_line_error(code, capsys.readouterr().err, "standard input) is given twice")
    code = main(["score", str(path), str(path), "--name", "a", "--out", str(out)])
    one_line_error(code, capsys.readouterr().err, "--name given 1 times for 2 prediction files")


def test_a_bad_file_among_several_saves_no_run(tmp_path, capsys):
    good = gold_as_predictions(tmp_path / "good.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "nope", "start": 1, "end": 5, "type": "event"}\n', encoding="utf-8")
    code = main(["score", str(good), str(bad), "--out", str(tmp_path / "runs")])
    one_line_error(code, capsys.readouterr().err, f'{bad}:1: unknown doc_id "nope"')
    assert not (tmp_path / "runs").exists()


# ---------------------------------------------------------------- compare across gold, wide compares

@pytest.fixture(scope="module")
def two_golds(tmp_path_factory):
    """The same predictions scored against the seeds and against the held-out gold (which does not cover them)."""
    base = tmp_path_factory.mktemp("golds")
    preds = gold_as_predictions(base / "p.jsonl")
    heldout = gold_as_predictions(base / "h.jsonl", gold=HELDOUT / "gold", docs=HELDOUT / "docs")
    assert main(["score", str(preds), "--out", str(base / "seeds"), "--quiet", "--bootstrap", "100"]) == 0
    assert main(["score", str(heldout), "--out", str(base / "heldout"), "--quiet", "--bootstrap", "100",
                 "--gold", str(HELDOUT / "gold"), "--docs", str(HELDOUT / "docs")]) == 0
    return runs_in(base / "seeds")[0], runs_in(base / "heldout")[0]


def test_compare_refuses_runs_on_different_gold_naming_the_field(two_golds, capsys):
    capsys.readouterr()
    code = main(["compare", *map(str, two_golds)])
    one_line_error(code, capsys.readouterr().err, 'scored on different gold: "gold" is ')
    assert main(["compare", *map(str, two_golds), "--allow-other-gold", "--layout", "rows"]) == 0
    captured = capsys.readouterr()
    assert "NOT comparable" in captured.err
    table = [line for line in captured.out.splitlines() if line and not line.startswith(("-", "row", "*", "‡"))]
    assert table and all(line.count("‡") == 1 for line in table)  # every row says so
    assert "p < 0.05" in captured.out and "‡ scored on other gold" in captured.out
    assert main(["compare", *map(str, two_golds), "--allow-other-gold", "--fail-on-regression"]) == 1
    assert "cannot test" in capsys.readouterr().err
    code, out, _ = _leaderboard(two_golds, capsys)
    assert code == 0 and out.count("micro F1 [95% CI]") == 2  # a leaderboard puts them in two tables


def test_the_readme_quotes_the_refusal_compare_prints(capsys):
    rules = [sorted((REFERENCE / corpus / "claims").glob("rules-*"))[0] for corpus in ("seeds", "heldout")]
    assert main(["compare", *map(str, rules)]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("bench: error: ") and line in (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_wide_compare_is_one_row_per_system(capsys):
    runs = sorted((REFERENCE / "seeds" / "claims").iterdir())
    assert main(["compare", *map(str, runs), "--layout", "rows"]) == 0
    wide = capsys.readouterr().out
    assert max(map(len, wide.splitlines())) > 160
    assert main(["compare", *map(str, runs)]) == 0
    narrow = capsys.readouterr().out
    assert max(map(len, narrow.splitlines())) < 160 and narrow.startswith("system")
    rows = {cells[0]: cells for cells in map(_cells, narrow.splitlines()[2:6])}
    assert set(rows) == {r.name.split("-")[0] for r in runs}
    data = json.loads(main(["compare", *map(str, runs), "--format", "json"]) == 0 and capsys.readouterr().out)
    micro = next(r for r in data["rows"] if r["name"] == "micro")
    for label, cell in zip([r["label"] for r in data["runs"]], micro["runs"]):
        assert rows[label][1].split()[0] == f'{cell["value"]:.3f}'
        if cell["delta"] is not None:
            assert rows[label][2].rstrip("*") == f'{cell["delta"]:+.3f}'


# ---------------------------------------------------------------- bench errors

def _outcomes(run, scheme="lenient"):
    with np.load(run / "outcomes.npz") as arrays:
        return {k: arrays[f"{scheme}.{k}"] for k in ("gold_kind", "pred_kind", "gold_pred")}


def _errors(argv, capsys, fmt="jsonl"):
    assert main(["errors", *map(str, argv), "--format", fmt]) == 0
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines()] if fmt == "jsonl" else out


@pytest.mark.parametrize("model", ["rules", "tagger", "sentences"])
def test_errors_missed_are_exactly_the_gold_records_the_outcomes_mark_missed(model, capsys):
    (run,) = [r for r in SEED_RUNS if r.name.startswith(model + "-")]
    kinds = _outcomes(run)
    missed = _errors([run, "--outcome", "missed"], capsys)
    assert len(missed) == int(np.sum(kinds["gold_kind"] == OUTCOMES.index("missed")))
    from bench.corpus import load_corpus

    corpus = load_corpus()
    gold = [(d, c) for d in corpus.doc_ids for c in corpus.gold[d]]
    marked = {(gold[i][0], gold[i][1].id) for i in np.flatnonzero(kinds["gold_kind"] == OUTCOMES.index("missed"))}
    assert {(line["doc_id"], line["gold_id"]) for line in missed} == marked
    assert all(line["pred_line"] is None and line["gold_text"] for line in missed)
    # against the table: the gold records not matched are the false negatives, the lone predictions the false
    # positives, beside the wrong-type and boundary partners
    every = _errors([run], capsys)
    micro = json.loads((run / "results.json").read_text())["scores"]["lenient"]["micro"]
    assert sum(line["gold_id"] is not None and line["outcome"] != "matched" for line in every) == micro["fn"]
    assert sum(line["pred_line"] is not None and line["outcome"] != "matched" for line in every) == micro["fp"]
    assert sum(line["outcome"] == "matched" for line in every) == micro["tp"]
    table = _errors([run, "--outcome", "missed"], capsys, fmt="table")
    assert table.splitlines()[-1].startswith(f"{len(missed)} line")


def test_errors_filters_and_formats(capsys):
    (run,) = [r for r in SEED_RUNS if r.name.startswith("rules-")]
    doc = "002_7007280221f212f7"
    lines = _errors([run, "--doc", doc, "--type", "position"], capsys)
    assert lines and all(line["doc_id"] == doc for line in lines)
    assert all("position" in (line["gold_type"], line["pred_type"]) for line in lines)
    wrong = _errors([run, "--outcome", "wrong_claimant,wrong_type"], capsys)
    assert {line["outcome"] for line in wrong} == {"matched", "wrong_type"}
    assert all("claimant" in line["wrong"] for line in wrong if line["outcome"] == "matched")
    from bench.claimants import ClaimantTable
    from bench.corpus import load_corpus

    names = ClaimantTable(load_corpus().claimants)
    for line in _errors([run, "--outcome", "matched"], capsys):
        assert ("claimant" in line["wrong"]) == (line["pred_claimant"] is not None
                                                  and not names.same(line["gold_claimant"], line["pred_claimant"]))
    rows = list(csv.DictReader(io.StringIO(_errors([run, "--outcome", "spurious"], capsys, fmt="csv"))))
    assert rows and all(r["outcome"] == "spurious" and r["gold_id"] == "" for r in rows)
    code = main(["errors", str(run), "--outcome", "nope"])
    one_line_error(code, capsys.readouterr().err, '--outcome "nope": expected one of matched')
    code = main(["errors", str(run), "--doc", "nope"])
    one_line_error(code, capsys.readouterr().err, '--doc "nope": no such document')


def test_errors_of_quantities_and_links(capsys):
    (quantities,) = (REFERENCE / "figures" / "quantities").iterdir()
    lines = _errors([quantities], capsys)
    counts = json.loads((quantities / "results.json").read_text())["scores"]["lenient"]["counts"]
    assert sum(line["gold_id"] is not None for line in lines) == counts["gold"]
    assert sum(line["pred_line"] is not None for line in lines) == counts["predicted"]
    matched = [line for line in lines if line["outcome"] == "matched"]
    assert len(matched) == counts["matched"]
    assert sum("value" in line["wrong"] for line in matched) == counts["matched"] - counts["value_exact"]
    for folder in ("links", "links-end-to-end"):
        for run in sorted((REFERENCE / "seeds" / folder).iterdir()):
            lines = _errors([run], capsys)
            scores = json.loads((run / "results.json").read_text())["scores"]["singletons"]
            conflicts = [line for line in lines if line["kind"] == "conflict"]
            c = scores["conflicts"]
            assert [sum(x["outcome"] == o for x in conflicts) for o in ("matched", "missed", "spurious")] == [
                c["tp"], c["fn"], c["fp"]]
            claims = [line for line in lines if line["kind"] == "claim"]
            assert sum(line["outcome"] != "spurious" for line in claims) == 105  # every gold claim, once
            assert sum(line["outcome"] == "spurious" for line in claims) == scores["counts"]["spurious_mentions"]
            if folder == "links":
                assert not any(line["outcome"] == "missed" for line in claims)
            for line in claims:  # a gold claim in the right cluster has lost and gained no partner
                if line["outcome"] in ("matched", "wrong_cluster"):
                    assert (line["outcome"] == "matched") == (not line["missing"] and not line["extra"])


def test_api_errors_is_the_cli_listing(capsys):
    import bench

    (run,) = [r for r in SEED_RUNS if r.name.startswith("rules-")]
    listing = bench.errors(run, outcome="missed")
    assert listing.lines == _errors([run, "--outcome", "missed"], capsys)
    assert bench.exceptions.InputError is not None  # the module's names are still there
    with pytest.raises(bench.exceptions.InputError, match="expected a name or a list of names"):
        bench.errors(run, outcome=5)


def test_outcome_codes_are_named_where_the_run_is_read():
    from bench.tasks.outcomes import CODES

    assert CODES == dict(enumerate(OUTCOMES))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code, name in CODES.items():
        assert f"{code} `{name}`" in readme
