"""The bench CLI end to end: runs, scoring files, comparing, and bad input handled in one line."""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, SEEDS

import numpy as np
from conftest import gold_as_predictions as _gold_as_predictions
from conftest import one_line_error as _assert_one_line_error
from conftest import runs_in as _runs
from conftest import snapshot as _snapshot

from bench.cli import main


def test_run_twice_gives_two_folders_with_identical_scores(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", "--model", "rules", "--out", str(out), "--quiet"]) == 0
    first_table = capsys.readouterr().out
    assert main(["run", "--model", "rules", "--out", str(out), "--quiet"]) == 0
    second_table = capsys.readouterr().out
    runs = _runs(out)
    assert len(runs) == 2
    results = [json.loads((r / "results.json").read_text()) for r in runs]
    assert results[0]["scores"] == results[1]["scores"]
    assert results[0]["run_id"] != results[1]["run_id"]
    assert first_table == second_table
    for key in ("model", "run_id", "created", "signature", "gold", "evaluation", "system", "inputs", "versions",
                "timing", "scores", "coverage"):
        assert key in results[0]
    assert set(results[0]["scores"]) >= {"lenient", "strict", "detection"}
    assert results[0]["signature"] in first_table
    per_type = results[0]["scores"]["lenient"]["per_type"]
    assert set(per_type) == {"quantity", "prediction", "position", "event"}
    assert set(per_type["event"]) >= {"precision", "recall", "f1", "tp", "fp", "fn", "support"}
    for run in runs:
        assert (run / "predictions.jsonl").stat().st_size > 0
        with np.load(run / "units.npz") as units, np.load(run / "outcomes.npz") as outcomes:
            assert {name.rsplit(".", 1)[0] for name in units.files} == set(results[0]["scores"])
            assert {f"{s}.gold_kind" for s in results[0]["scores"]} <= set(outcomes.files)

    assert main(["compare", str(runs[0]), runs[1].name, "--results-dir", str(out), "--layout", "rows"]) == 0
    captured = capsys.readouterr()
    table = captured.out
    assert "warning" not in captured.err
    deltas = [cell for line in table.splitlines() for cell in line.split() if cell.startswith(("+0.000", "-0.000"))]
    assert len(deltas) == 10  # four types, micro, macro, claimant accuracy and token F1, attribution, joint
    assert "*" not in "".join(deltas)


def test_saved_predictions_rescore_to_the_same_numbers(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", "--model", "rules", "--out", str(out), "--quiet"]) == 0
    run = _runs(out)[0]
    assert main(["score", str(run / "predictions.jsonl"), "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    a, b = (json.loads((r / "results.json").read_text()) for r in _runs(out))
    assert a["scores"] == b["scores"]


def test_score_gold_as_predictions_is_perfect(tmp_path, capsys):
    preds = _gold_as_predictions(tmp_path / "gold_preds.jsonl")
    assert main(["score", str(preds), "--out", str(tmp_path / "r"), "--format", "json"]) == 0
    results = json.loads(capsys.readouterr().out)
    for scheme in ("lenient", "strict", "detection"):
        assert results["scores"][scheme]["micro"]["f1"] == 1.0
    assert results["scores"]["lenient"]["attribution"]["claimant_accuracy"] == 1.0


@pytest.mark.parametrize("fmt, marker", [("markdown", "|"), ("latex", "\\toprule")])
def test_table_formats(tmp_path, capsys, fmt, marker):
    preds = _gold_as_predictions(tmp_path / "p.jsonl", drop_every=3)
    assert main(["score", str(preds), "--out", str(tmp_path / "r"), "--format", fmt]) == 0
    assert marker in capsys.readouterr().out


def test_compare_flags_a_significant_regression(tmp_path, capsys):
    out = tmp_path / "results"
    full = _gold_as_predictions(tmp_path / "full.jsonl")
    half = _gold_as_predictions(tmp_path / "half.jsonl", drop_every=2)
    main(["score", str(full), "--out", str(out)])
    main(["score", str(half), "--out", str(out)])
    capsys.readouterr()
    a, b = _runs(out)
    first, second = (a, b) if "full" in a.name else (b, a)
    assert main(["compare", str(first), str(second)]) == 0
    assert main(["compare", str(first), str(second), "--fail-on-regression"]) == 1
    captured = capsys.readouterr()
    assert "significant regression" in captured.err
    assert main(["compare", str(second), str(first), "--fail-on-regression"]) == 0


def test_compare_warns_when_signatures_differ(tmp_path, capsys):
    out = tmp_path / "results"
    preds = _gold_as_predictions(tmp_path / "p.jsonl")
    main(["score", str(preds), "--out", str(out)])
    main(["score", str(preds), "--out", str(out), "--iou", "0.7"])
    capsys.readouterr()
    assert main(["compare", *map(str, _runs(out))]) == 0
    captured = capsys.readouterr()
    assert "bench: warning: the runs' evaluation settings differ" in captured.err
    assert "warning" not in captured.out


BAD_PREDICTIONS = [
    ('{"doc_id": "000_2ed1a488bd7a9f20", "start": 101, "end": 206, "type": "opinion"}\n',
     ':1: unknown type "opinion" (expected one of quantity, prediction, position, event)'),
    ('{"doc_id": "000_2ed1a488bd7a9f20", "start": 101, "end": 206, "type": "event"}\n{oops\n', ":2: invalid JSON"),
    ('{"doc_id": "nope", "start": 1, "end": 5, "type": "event"}\n', ':1: unknown doc_id "nope"'),
    ('{"doc_id": "000_2ed1a488bd7a9f20", "end": 5, "type": "event"}\n', ':1: missing field "start"'),
    ('{"doc_id": "000_2ed1a488bd7a9f20", "start": "1", "end": 5, "type": "event"}\n', ':1: field "start" must be an integer'),
    ('{"doc_id": "000_2ed1a488bd7a9f20", "start": 9, "end": 9, "type": "event"}\n', ":1: offsets 9-9 outside the text or empty"),
    ('{"doc_id": "000_2ed1a488bd7a9f20", "start": 0, "end": 99999, "type": "event"}\n', ":1: offsets 0-99999 outside the text"),
    ('{"doc_id": "000_2ed1a488bd7a9f20", "start": 0, "end": 3, "type": "event", "text": "xyz"}\n', ":1: text does not match offsets 0-3"),
    ("[1, 2]\n", ":1: expected a JSON object"),
]


@pytest.mark.parametrize("content, expected", BAD_PREDICTIONS)
def test_bad_prediction_files_give_one_line_and_touch_no_run(tmp_path, capsys, content, expected):
    out = tmp_path / "results"
    good = _gold_as_predictions(tmp_path / "good.jsonl")
    assert main(["score", str(good), "--out", str(out)]) == 0
    before = _snapshot(out)
    bad = tmp_path / "preds.jsonl"
    bad.write_text(content, encoding="utf-8")
    capsys.readouterr()
    code = main(["score", str(bad), "--out", str(out)])
    err = capsys.readouterr().err
    _assert_one_line_error(code, err, expected)
    assert err.startswith(f"bench: error: {bad}")
    assert _snapshot(out) == before


def test_empty_predictions_file_is_a_run_that_found_nothing(tmp_path, capsys):
    """A system that finds no claims is legal: every recall is 0, precision n/a, and a warning says why."""
    empty = tmp_path / "preds.jsonl"
    empty.write_text("", encoding="utf-8")
    assert main(["score", str(empty), "--out", str(tmp_path / "results"), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "bench: warning: predictions hold nothing" in captured.err
    overall = json.loads(captured.out)["scores"]["strict"]["micro"]
    assert overall["recall"] == 0 and overall["precision"] is None


@pytest.mark.parametrize("argv, expected", [
    (["run", "--model", "rulez"], 'unknown model "rulez"'),
    (["run", "--model", "rules", "--gold", "/nonexistent/gold"], "/nonexistent/gold: gold not found"),
    (["run", "--model", "rules", "--docs", "/nonexistent/docs"], "/nonexistent/docs: documents not found"),
    (["run", "--model", "rules", "--iou", "1.5"], "threshold (--iou) 1.5: must be a number in (0, 1]"),
    (["run", "--model", "rules", "--model-arg", "nope=1"], 'takes no argument "nope"'),
    (["score", "/nonexistent/preds.jsonl"], "/nonexistent/preds.jsonl: no such file"),
    (["score", str(SEEDS)], "is a folder, expected a file"),
    (["compare", "no-such-run"], 'no run "no-such-run"'),
])
def test_bad_arguments_give_one_line(tmp_path, capsys, argv, expected, monkeypatch):
    out = tmp_path / "results"
    assert main(["score", str(_gold_as_predictions(tmp_path / "good.jsonl")), "--out", str(out)]) == 0
    before = _snapshot(out)
    monkeypatch.chdir(tmp_path)  # compare looks run ids up under ./results
    capsys.readouterr()
    code = main([*argv, *(["--out", str(out)] if argv[0] != "compare" else [])])
    _assert_one_line_error(code, capsys.readouterr().err, expected)
    assert _snapshot(out) == before


def test_gold_missing_for_a_document(gold_copy, capsys):
    missing = sorted((gold_copy / "gold").glob("0*.json"))[1]
    missing.unlink()
    code = main(["run", "--model", "rules", "--gold", str(gold_copy / "gold"), "--docs", str(gold_copy / "seeds"),
                 "--out", str(gold_copy / "r")])
    _assert_one_line_error(code, capsys.readouterr().err, f'no gold for document "{missing.stem}"')
    assert not (gold_copy / "r").exists()


def test_unknown_model_suggests_a_name(capsys):
    assert main(["run", "--model", "rulez"]) != 0
    assert 'did you mean "rules"' in capsys.readouterr().err


def test_unreadable_predictions_file(tmp_path, capsys, monkeypatch):
    path = _gold_as_predictions(tmp_path / "p.jsonl")
    if os.geteuid() == 0:  # root reads any file: make this one fail the way an unreadable file does
        import pathlib

        real = pathlib.Path.read_bytes

        def refuse(self, *args, **kwargs):
            if self == path:
                raise PermissionError(13, "Permission denied")
            return real(self, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, "read_bytes", refuse)
    else:
        path.chmod(0)
    code = main(["score", str(path), "--out", str(tmp_path / "r")])
    _assert_one_line_error(code, capsys.readouterr().err, "cannot read: Permission denied")


def test_gold_folder_where_a_file_belongs_and_binary_file(tmp_path, capsys):
    binary = tmp_path / "preds.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    code = main(["score", str(binary), "--out", str(tmp_path / "r")])
    _assert_one_line_error(code, capsys.readouterr().err, "not valid UTF-8")


def test_version_models_and_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("claimbench ")
    assert main(["models"]) == 0
    names = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert {"rules", "sentences", "transformer"} <= set(names)
    for command in ("run", "score", "compare", "leaderboard", "errors", "report", "validate", "models"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "usage: bench " + command in capsys.readouterr().out


FAST_START = """
import sys
from bench.cli import main
code = main({argv!r})
heavy = sorted(m for m in ("torch", "transformers", "datasets", "sklearn", "scipy") if m in sys.modules)
print("HEAVY", heavy, "CODE", code)
"""


@pytest.mark.parametrize("command", ["run", "score"])
def test_fast_start_imports_no_heavy_library(tmp_path, command):
    if command == "run":
        argv = ["run", "--model", "rules", "--out", str(tmp_path / "r"), "--quiet"]
    else:
        argv = ["score", str(_gold_as_predictions(tmp_path / "p.jsonl")), "--out", str(tmp_path / "r")]
    result = subprocess.run([sys.executable, "-c", FAST_START.format(argv=argv)], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert "HEAVY [] CODE 0" in result.stdout, result.stdout + result.stderr


def test_report_flag_and_report_command(tmp_path, capsys):
    out = tmp_path / "results"
    full = _gold_as_predictions(tmp_path / "full.jsonl")
    half = _gold_as_predictions(tmp_path / "half.jsonl", drop_every=2)
    assert main(["score", str(full), "--out", str(out), "--report"]) == 0
    first = _runs(out)[0]
    assert f"report: {first / 'report.html'}" in capsys.readouterr().err
    assert (first / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["score", str(half), "--out", str(out)]) == 0
    second = next(r for r in _runs(out) if r != first)
    capsys.readouterr()
    target = tmp_path / "contrast.html"
    assert main(["report", str(first), second.name, "--results-dir", str(out), "-o", str(target)]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    assert target.stat().st_size > 0
    code = main(["report", str(first), str(second), str(first)])
    assert code != 0 and "one or two runs" in capsys.readouterr().err


def test_free_text_predictions_run_rescore_and_report(tmp_path, capsys):
    out = tmp_path / "results"
    example = ROOT / "examples" / "llm_predictions.jsonl"
    assert main(["score", str(example), "--out", str(out), "--report"]) == 0
    err = capsys.readouterr().err
    assert "lines placed: offsets" in err and "unaligned" in err
    run = _runs(out)[0]
    alignment = [json.loads(line) for line in (run / "alignment.jsonl").read_text().splitlines()]
    lines = [json.loads(line) for line in example.read_text().splitlines()]
    assert [row["line"] for row in alignment] == [n for n, row in enumerate(lines, 1) if "start" not in row]
    results = json.loads((run / "results.json").read_text())
    assert sum(results["alignment"].values()) == len(lines)
    assert (run / "predictions.jsonl").read_bytes() == example.read_bytes()  # free text stays free text
    assert "text" in results["scores"] and results["signatures"]["text"].count("scheme:text") == 1
    assert main(["score", str(run / "predictions.jsonl"), "--out", str(out)]) == 0
    capsys.readouterr()
    again = next(r for r in _runs(out) if r != run)
    assert json.loads((again / "results.json").read_text())["scores"] == results["scores"]
    assert "not placed in the text" in (run / "report.html").read_text(encoding="utf-8")
