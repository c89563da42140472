"""Hostile and careless input, damaged runs and faults: one printable line, a non-zero exit, nothing lost.

Every case asserts the exit status, a single printable ``bench: error: …`` line without a
traceback, and that the runs already saved are byte for byte what they were. Add a case here
for every bug of this kind that is found.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys

import numpy as np
import pytest
from conftest import GOLD, ROOT, SEEDS, as_format_2, gold_as_predictions, one_line_error, runs_in, snapshot

from bench.cli import main

DOC = "004_d85139658238920d"
TEXT = (SEEDS / f"{DOC}.txt").read_text(encoding="utf-8")


@pytest.fixture()
def out(tmp_path, capsys):
    """A results folder that already holds one good run."""
    folder = tmp_path / "results"
    assert main(["score", str(gold_as_predictions(tmp_path / "good.jsonl")), "--out", str(folder), "--quiet",
                 "--bootstrap", "20"]) == 0
    capsys.readouterr()
    return folder


def _fails(argv, capsys, expected, out=None, code=2):
    """One line, the exit code, and nothing written to ``out`` but, for a run its model failed, the
    partial run that keeps what was done (a new ``*.partial`` folder, resumable)."""
    before = snapshot(out) if out is not None else None
    got = main(argv)
    err = capsys.readouterr().err
    one_line_error(got, err, expected)
    assert got == code
    if out is not None:
        after = {p: data for p, data in snapshot(out).items() if not p.parent.name.endswith(".partial")
                 or p.parent.parent != out or p in before}
        assert after == before, "an earlier run was touched"
    return err


def _lines(tmp_path, *rows: str):
    path = tmp_path / "preds.jsonl"
    path.write_bytes("".join(row + "\n" for row in rows).encode("utf-8", "surrogatepass"))
    return path


def _claim(**fields) -> str:
    base = {"doc_id": DOC, "start": 48, "end": 126, "type": "quantity"}
    return json.dumps(base | fields, ensure_ascii=False)


# ---------------------------------------------------------------- 1-3: numbers, structure, text in prediction files

PREDICTION_LINES = [
    ('{"doc_id": "%s", "start": 1%s, "end": 126, "type": "quantity"}' % (DOC, "0" * 5000),
     'field "start": integer value out of range'),
    (_claim(score=1e308).replace("1e+308", "1e999"), 'field "score"'),
    (_claim().replace('"quantity"}', '"quantity", "score": NaN}'), "invalid JSON"),
    (_claim().replace('"quantity"}', '"quantity", "score": Infinity}'), "invalid JSON"),
    ('{"doc_id": "%s", "start": 48, "end": 126, "type": "quantity", "meta": %s}' % (
        DOC, '{"a": ' * 100_000 + "1" + "}" * 100_000), "nested too deeply"),
    ('{"doc_id": "%s", "start": 48,' % DOC, "invalid JSON"),  # valid only joined with the next line
    ('{"doc_id": "%s", "start": 48, "end": 126, "type": "quantity", "text": "\\ud800"}' % DOC,
     "the escape \\ud800 is half of a surrogate pair"),  # a lone surrogate, written as an escape
    (_claim(type="\x1b[31mred\x1b[0m\u2028"), r'unknown type "\x1b[31mred\x1b[0m\u2028"'),
    (_claim(start=True), 'field "start" must be an integer, got True'),
    (_claim(start=48.0), 'field "start" must be an integer, got 48.0'),
    (_claim(claimant=7), 'field "claimant" must be a string, got 7'),
    (_claim(start=-1), "offsets -1-126 outside the text"),
    (_claim(start=126, end=48), "offsets 126-48 outside the text or empty"),
    (_claim(doc_id="004_d85139658238920d\u0301"), 'unknown doc_id'),
    ('{"doc_id": "%s", "start": 48, "end": 126, "type": "quantity"} {"x": 1}' % DOC, "trailing characters"),
    ("\ufeff" + _claim(), "invalid JSON"),
    (_claim(claimant=" "), 'field "claimant" is empty'),
    ('{"doc_id": "%s", "text": "", "type": "event"}' % DOC, 'field "text" is empty'),
]


@pytest.mark.parametrize("row, expected", PREDICTION_LINES)
def test_bad_prediction_lines(tmp_path, capsys, out, row, expected):
    second = '"end": 126, "type": "quantity"}' if row.endswith('"start": 48,') else _claim()
    path = _lines(tmp_path, _claim(), row, second)
    err = _fails(["score", str(path), "--out", str(out)], capsys, expected, out)
    assert f"{path}:2: " in err


def test_raw_lone_surrogate_bytes_are_not_utf8(tmp_path, capsys, out):
    path = tmp_path / "preds.jsonl"
    path.write_bytes(_claim().encode() + b"\n" + _claim(text="X").encode().replace(b"X", b"\xed\xa0\x80") + b"\n")
    _fails(["score", str(path), "--out", str(out)], capsys, "2: not valid UTF-8", out)


def test_line_and_paragraph_separators_stay_inside_strings_and_runs_read_back(tmp_path, capsys, out):
    odd = "A\u2028B\u2029C\u0085D"
    path = _lines(tmp_path, _claim(claimant=odd, meta={"note": odd}), _claim(start=130, end=200, type="event"))
    assert main(["score", str(path), "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    run = max(runs_in(out), key=lambda r: r.stat().st_mtime_ns)
    assert main(["score", str(run / "predictions.jsonl"), "--out", str(out), "--quiet"]) == 0  # its own file reads back
    assert main(["compare", str(run), str(max(runs_in(out), key=lambda r: r.stat().st_mtime_ns))]) == 0
    assert main(["report", str(run)]) == 0
    capsys.readouterr()


# ---------------------------------------------------------------- 4: gold and corpus

def _edit_gold(folder, change):
    path = sorted((folder / "gold").glob("0*.json"))[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["claims"][0].update(start=d["claims"][0]["end"]), "outside the text or empty"),
    (lambda d: d["claims"][0].update(start=-5), "outside the text or empty"),
    (lambda d: d["claims"][0].update(start=10 ** 40), "outside the text"),
    (lambda d: d["claims"][0].update(nonsense=1), 'unknown field "nonsense"'),
    (lambda d: d["quantities"][0].update(low=5, high=1) if d["quantities"] else d["claims"][0].update(type="x"),
     "low 5 is above high 1"),
])
def test_bad_gold_is_refused_by_run_as_by_validate(gold_copy, capsys, change, expected):
    path = _edit_gold(gold_copy, change)
    corpus = ["--gold", str(gold_copy / "gold"), "--docs", str(gold_copy / "seeds")]
    assert main(["validate", *corpus]) == 1
    listed = capsys.readouterr().out.splitlines()
    assert any(expected in line and line.startswith(str(path)) for line in listed), listed
    err = _fails(["run", "--model", "rules", *corpus, "--out", str(gold_copy / "r")], capsys, expected)
    assert not (gold_copy / "r").exists() and err.startswith("bench: error: invalid gold: ")


@pytest.mark.parametrize("content, expected", [
    (b"\xff\xfe1.0", "not valid UTF-8"),
    (b"", "the version is empty"),
    (b"1.0\n2.0\n", "must be one short line"),
    (b"1.0 beta <b>", "must be one short line"),
])
def test_a_bad_version_file_is_a_gold_problem(gold_copy, capsys, content, expected):
    (gold_copy / "gold" / "VERSION").write_bytes(content)
    _fails(["run", "--model", "rules", "--gold", str(gold_copy / "gold"), "--docs", str(gold_copy / "seeds"),
            "--out", str(gold_copy / "r")], capsys, expected)


def test_doc_ids_that_differ_only_by_normalisation_get_a_hint(tmp_path, capsys):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"doc_id": "caf\u00e9", "text": "x"}) + "\n" + json.dumps({"doc_id": "cafe\u0301", "text": "y"}) + "\n")
    _fails(["validate", "--gold", str(GOLD), "--docs", str(docs)], capsys, "only by Unicode normalisation")


# ---------------------------------------------------------------- 5: cost stays linear

def _rules_time(tmp_path, size: int) -> float:
    import time

    folder = tmp_path / str(size)
    (folder / "docs").mkdir(parents=True)
    (folder / "gold").mkdir()
    (folder / "docs" / "big.txt").write_text((TEXT * (size // len(TEXT) + 1))[:size], encoding="utf-8")
    (folder / "gold" / "big.json").write_text('{"doc_id": "big", "claims": []}')
    started = time.perf_counter()
    assert main(["run", "--model", "rules", "--gold", str(folder / "gold"), "--docs", str(folder / "docs"),
                 "--out", str(folder / "r"), "--quiet", "--bootstrap", "10"]) == 0
    return time.perf_counter() - started


def test_rules_cost_grows_linearly_with_the_document(tmp_path, capsys):
    small, large = _rules_time(tmp_path, 40_000), _rules_time(tmp_path, 320_000)
    capsys.readouterr()
    assert large < 20 * small  # linear is 8x; quadratic work per candidate was 64x


@pytest.mark.parametrize("item", ["word", "12", "12-17", "about £3m", '"we will win," he said'])
def test_rules_cost_grows_linearly_with_one_long_comma_separated_sentence(item):
    """One sentence of thousands of clauses or figures: clause splitting once rescanned it from its start at
    every comma, typing blanked every nested clause into a fresh copy, and each figure was checked
    against every figure before it."""
    import time

    from baselines.rules import RulesModel
    from bench.records import Document

    model = RulesModel()

    def cpu(n: int) -> float:
        document = Document("a", "Officials said " + ", ".join([item] * n) + ".")
        started = time.process_time()
        model.predict([document])
        model.predict_quantities([document])
        return time.process_time() - started

    small, large = cpu(500), cpu(4_000)
    assert large < 20 * small  # linear is 8x, the rescan was 64x


# ---------------------------------------------------------------- 6: damaged run folders

def _damage(run, name, content: bytes | None):
    path = run / name
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)


@pytest.mark.parametrize("name, content, expected", [
    ("results.json", b"\xff\xfe{", "not valid UTF-8"),
    ("results.json", b"[1, 2]", "not a ClaimBench results file"),
    ("results.json", b'{"format": 2}', 'missing field "task"'),
    ("units.npz", b"not a zip", "is not the file this run wrote"),
    ("outcomes.npz", b"PK\x03\x04 broken", "is not the file this run wrote"),
    ("units.npz", None, "is missing, though the run wrote it"),
    ("outcomes.npz", None, "is missing, though the run wrote it"),
    ("predictions.jsonl", b"", "is not the file this run wrote"),
    # a run saved before its files' hashes were recorded is read unchecked, and still refused when damaged
    ("units.npz old", b"not a zip", "damaged or unreadable"),
    ("outcomes.npz old", b"PK\x03\x04 broken", "damaged or unreadable"),
    ("outcomes.npz old", None, "has no outcomes, which the report draws"),
])
def test_damaged_runs_give_one_line_to_compare_and_report(tmp_path, capsys, out, name, content, expected):
    run = tmp_path / "damaged"
    shutil.copytree(runs_in(out)[0], run)
    name, _, old = name.partition(" ")
    if old:
        as_format_2(run)
    _damage(run, name, content)
    for argv in (["compare", str(runs_in(out)[0]), str(run)], ["report", str(run)]):
        if argv[0] == "report" and name == "units.npz" or argv[0] == "compare" and name != "units.npz":
            continue  # the report needs no units, compare nothing but its results and units
        _fails(argv, capsys, expected, out)


def test_a_run_whose_results_lost_the_hashes_of_its_files_is_refused(tmp_path, capsys, out):
    run = tmp_path / "damaged"
    shutil.copytree(runs_in(out)[0], run)
    results = json.loads((run / "results.json").read_text())
    assert results["format"] == 4 and set(results["files"]) >= {"predictions.jsonl", "units.npz", "outcomes.npz"}
    del results["files"]
    (run / "results.json").write_text(json.dumps(results))
    for argv in (["compare", str(run)], ["report", str(run)]):
        _fails(argv, capsys, 'has no "files"', out)


def test_results_with_a_field_of_the_wrong_shape(tmp_path, capsys, out):
    run = tmp_path / "damaged"
    shutil.copytree(runs_in(out)[0], run)
    results = json.loads((run / "results.json").read_text())
    results["scores"]["lenient"]["micro"]["f1"] = "<script>alert(1)</script>"
    (run / "results.json").write_text(json.dumps(results))
    for argv in (["compare", str(run)], ["report", str(run)]):
        _fails(argv, capsys, "damaged scores", out)
    results["scores"]["lenient"]["micro"]["f1"] = 0.5  # a number edited by hand: not what the units give
    (run / "results.json").write_text(json.dumps(results))
    for argv in (["compare", str(run)], ["report", str(run)]):
        _fails(argv, capsys, "micro is 0.5 in the scores but", out)
    results = json.loads((runs_in(out)[0] / "results.json").read_text())
    results["model"] = "<script>alert(1)</script>"
    (run / "results.json").write_text(json.dumps(results))
    assert main(["report", str(run)]) == 0
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_staging_folder_left_by_a_killed_save_is_ignored(tmp_path, capsys, out):
    staging = out / ".preds-20260101-000000.abcd.partial"
    shutil.copytree(runs_in(out)[0], staging)
    assert runs_in(out) == [p for p in runs_in(out) if not p.name.startswith(".")]
    _fails(["compare", str(staging)], capsys, "no run", out)
    _fails(["compare", staging.name, "--results-dir", str(out)], capsys, "no run", out)


# ---------------------------------------------------------------- 7: the regression gate fails closed

def test_the_gate_fails_when_it_cannot_test(tmp_path, capsys, out):
    base = runs_in(out)[0]
    preds = gold_as_predictions(tmp_path / "worse.jsonl", drop_every=2)
    for extra in (["--bootstrap", "0"], ["--seed", "5"]):
        folder = tmp_path / ("r" + extra[1])
        assert main(["score", str(preds), "--out", str(folder), "--quiet", *extra]) == 0
        capsys.readouterr()
        code = main(["compare", str(base), str(runs_in(folder)[0]), "--fail-on-regression"])
        err = capsys.readouterr().err
        assert code == 1 and ("cannot test" in err or "significant regression" in err)
    no_units = tmp_path / "no-units"
    shutil.copytree(runs_in(tmp_path / "r5")[0], no_units)
    (no_units / "units.npz").unlink()
    as_format_2(no_units)  # a run saved without unit statistics (deleting them from a newer run is damage)
    code = main(["compare", str(base), str(no_units), "--fail-on-regression"])
    err = capsys.readouterr().err
    assert code == 1 and "the regression gate cannot test, so it fails" in err and "no unit statistics" in err
    assert main(["compare", str(base), str(no_units)]) == 0  # without the gate: the scores, and a warning
    err = capsys.readouterr().err
    assert f"bench: warning: {no_units / 'units.npz'}: no unit statistics for scheme lenient, so no paired test" in err
    code = main(["compare", str(base), str(base), "--fail-on-regression", "--bootstrap", "0"])
    assert code == 1 and "cannot test" in capsys.readouterr().err
    _fails(["compare", str(base), str(base), "--seed", "-1"], capsys, "seed (--seed) -1", out)
    _fails(["compare", str(base), str(base), "--bootstrap", str(10 ** 20)], capsys, "must be 0 (no test) to 1,000,000", out)
    _fails(["score", str(preds), "--seed", "-1", "--out", str(out)], capsys, "seed (--seed) -1", out)
    _fails(["score", str(preds), "--bootstrap", "-3", "--out", str(out)], capsys, "--bootstrap", out)


# ---------------------------------------------------------------- 8: output faults

def test_unwritable_and_impossible_output_folders(tmp_path, capsys, out):
    preds = gold_as_predictions(tmp_path / "p.jsonl")
    long_name = tmp_path / ("x" * 300)
    for target, expected in ((long_name, "file name too long"), (tmp_path / "good.jsonl", "is a file"),
                             ("/proc/claimbench", "cannot write")):
        _fails(["score", str(preds), "--out", str(target)], capsys, expected, out)
    if os.path.isdir("/sys/kernel"):
        _fails(["score", str(preds), "--out", "/sys/kernel/claimbench"], capsys, "cannot write", out)


def test_read_only_folder(tmp_path, capsys, out):
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() == 0:  # root writes anywhere: make the folder immutable if the file system allows it
        if subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not supported here and root ignores permissions")
    else:
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        _fails(["score", str(gold_as_predictions(tmp_path / "p.jsonl")), "--out", str(locked)], capsys,
               "cannot write", out)
        assert list(locked.iterdir()) == []
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(locked)], capture_output=True)
        locked.chmod(0o755)


def test_a_full_disk_leaves_nothing_half_written(tmp_path, capsys, out, monkeypatch):
    import bench.runs

    real = os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(bench.runs.os, "fsync", full)
    _fails(["score", str(gold_as_predictions(tmp_path / "p.jsonl")), "--out", str(out)], capsys,
           "cannot write: no space left on the device", out)
    monkeypatch.setattr(bench.runs.os, "fsync", real)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no staging folder left


def test_run_folders_follow_the_umask(tmp_path, capsys):
    previous = os.umask(0o027)
    try:
        assert main(["score", str(gold_as_predictions(tmp_path / "p.jsonl")), "--out", str(tmp_path / "r"),
                     "--quiet", "--bootstrap", "10"]) == 0
    finally:
        os.umask(previous)
    (run,) = runs_in(tmp_path / "r")
    assert stat.S_IMODE(run.stat().st_mode) == 0o750
    assert stat.S_IMODE((run / "results.json").stat().st_mode) == 0o640


# ---------------------------------------------------------------- 9: models and plugins

PLUGIN = '''
import time
import numpy as np
from bench.records import Claim
from bench.model import Model

DOC = "004_d85139658238920d"


class Out(Model):
    """What it returns is OUTPUT[kind] for the one document it is given."""

    def __init__(self, kind: str = "ok"):
        self.kind = kind

    def predict(self, documents):
        d = documents[0].doc_id
        kinds = {
            "ok": lambda: [Claim(d, 0, 10, "event")],
            "numpy": lambda: [{"doc_id": d, "start": np.int64(0), "end": np.int32(10), "type": "event",
                               "score": np.float64(0.5)}],
            "str-offsets": lambda: [{"doc_id": d, "start": "0", "end": 10, "type": "event"}],
            "float-offsets": lambda: [{"doc_id": d, "start": 0.0, "end": 10, "type": "event"}],
            "numpy-float-offsets": lambda: [{"doc_id": d, "start": np.float64(0), "end": 10, "type": "event"}],
            "bool-offsets": lambda: [Claim(d, False, True, "event")],
            "int-claimant": lambda: [Claim(d, 0, 10, "event", claimant=5)],
            "none-list": lambda: None,
            "int-list": lambda: 5,
            "string-list": lambda: "claims",
            "none-item": lambda: [None],
            "nan-score": lambda: [Claim(d, 0, 10, "event", score=float("nan"))],
            "sleep": lambda: time.sleep(30) or [],
        }
        return {d: kinds[self.kind]()}
'''


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    path = tmp_path_factory.mktemp("plugin") / "hostile.py"
    path.write_text(PLUGIN)
    return path


@pytest.mark.parametrize("kind, expected", [
    ("str-offsets", 'field "start" must be an integer, got "0"'),
    ("float-offsets", 'field "start" must be an integer, got 0.0'),
    ("numpy-float-offsets", 'field "start" must be an integer, got 0.0'),
    ("bool-offsets", 'field "start" must be an integer, got False'),
    ("int-claimant", 'field "claimant" must be a string, got 5'),
    ("none-list", "the claims of a document must be a list, got NoneType"),
    ("int-list", "the claims of a document must be a list, got int"),
    ("string-list", "the claims of a document must be a list, got str"),
    ("none-item", "expected a claim (a dict or Claim), got NoneType"),
    ("nan-score", 'field "score" must be a finite number, got nan'),
])
def test_bad_model_output_is_checked_like_a_file(tmp_path, capsys, out, plugin, kind, expected):
    _fails(["run", "--model", f"{plugin}:Out", "--model-arg", f"kind={kind}", "--out", str(out), "--quiet",
            "--limit", "1"], capsys, expected, out)


def test_numpy_numbers_are_numbers_and_rescore_the_same(tmp_path, capsys, plugin):
    folder = tmp_path / "r"
    assert main(["run", "--model", f"{plugin}:Out", "--model-arg", "kind=numpy", "--out", str(folder), "--quiet",
                 "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    (run,) = runs_in(folder)
    assert main(["score", str(run / "predictions.jsonl"), "--out", str(folder), "--quiet", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["scores"] == first["scores"]


def test_a_model_that_never_returns_is_stopped_by_timeout(tmp_path, capsys, out, plugin):
    _fails(["run", "--model", f"{plugin}:Out", "--model-arg", "kind=sleep", "--out", str(out), "--quiet",
            "--timeout", "0.5", "--limit", "1"], capsys, "took longer than 0.5 s", out)


def test_a_plugin_that_exits_or_breaks_at_import(tmp_path, capsys, out):
    for source, expected in (("import sys\nsys.exit(0)\n", "cannot import"), ("def broken(:\n", "SyntaxError"),
                             ("raise KeyboardInterrupt\n", "interrupted")):
        path = tmp_path / "bad_plugin.py"
        path.write_text(source)
        argv = ["run", "--model", f"{path}:X", "--out", str(out)]
        if expected == "interrupted":  # in a process of its own, as a Ctrl-C reaches a user's command
            before = snapshot(out)
            done = subprocess.run([sys.executable, "-m", "bench.cli", *argv], capture_output=True, text=True,
                                  cwd=ROOT, timeout=120)
            assert done.returncode == 130 and done.stderr.strip() == "bench: interrupted", done.stderr
            assert snapshot(out) == before
        else:
            _fails(argv, capsys, expected, out)


# ---------------------------------------------------------------- 11: settings

@pytest.mark.parametrize("argv, expected", [
    (["--seed", "-1"], "seed (--seed) -1"),
    (["--seed", str(2 ** 40)], "seed (--seed)"),
    (["--iou", "nan"], "threshold (--iou) nan"),
    (["--align-threshold", "0"], "align threshold (--align-threshold) 0.0"),
    (["--bootstrap", "-1"], "bootstrap resamples (--bootstrap) -1"),
    (["--bootstrap", str(10 ** 20)], "must be 0 (no intervals) to 1,000,000"),
    (["--limit", "0"], "--limit 0"),
    (["--limit", "2", "--task", "links"], "--limit is for per-document tasks, not task 'links'"),
    (["--model-arg", "x=1"], 'takes no argument "x"'),
    (["--timeout", "-2"], "--timeout -2"),
    (["--task", "links", "--scheme", "lenient"], 'task "links" has no scheme "lenient"'),
    (["--task", "claims", "--claims-run", "x"], "--claims-run is for task links"),
])
def test_bad_settings(tmp_path, capsys, out, argv, expected):
    _fails(["run", "--model", "rules", "--out", str(out), *argv], capsys, expected, out)


@pytest.mark.parametrize("argv, expected", [
    ([], "the following arguments are required: COMMAND (see 'bench --help')"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["run", "--model", "rules", "--task", "foo"], "run: argument --task: invalid choice: 'foo'"),
    (["run", "--model", "rules", "--iou", "abc"], "run: argument --iou: invalid float value: 'abc'"),
    (["score"], "score: the following arguments are required: PREDICTIONS (see 'bench score --help')"),
    (["score", "x.jsonl", "--frob"], "unrecognized arguments: --frob"),
])
def test_usage_mistakes_are_one_line_errors(capsys, argv, expected):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    captured = capsys.readouterr()
    one_line_error(exit_.value.code, captured.err, expected)
    assert exit_.value.code == 2 and captured.out == ""


def test_a_path_the_system_refuses_is_one_line_wherever_it_is_given(tmp_path, capsys, out):
    long_name = str(tmp_path / ("a" * 300))
    for argv in (["validate", "--gold", long_name], ["report", long_name], ["compare", long_name, long_name],
                 ["run", "--model", "rules", "--docs", long_name, "--out", str(out)],
                 ["report", str(runs_in(out)[0]), "-o", long_name + ".html"]):
        _fails(argv, capsys, "File name too long", out)


def test_quiet_silences_every_progress_bar():
    """Under --quiet the runner sets progress off; the shared encoder turns transformers' own bars off too."""
    from transformers.utils import logging

    from bench.baselines.encoder import quiet_transformers

    quiet_transformers(False)
    assert not logging.is_progress_bar_enabled()
    quiet_transformers(True)
    assert logging.is_progress_bar_enabled()
    done = subprocess.run([sys.executable, "-m", "bench.cli", "run", "--model", "rules", "--quiet", "--out",
                           "/dev/null/never"], capture_output=True, text=True, cwd=ROOT)
    assert "%|" not in done.stderr  # no tqdm bar, even on the way to an error
    assert "HF_HUB_OFFLINE" not in os.environ


@pytest.mark.parametrize("name, value", [("lenient.gold_pred", 99999), ("lenient.gold_kind", 77),
                                         ("pred_line", None), ("gold_offsets", None)])
def test_outcomes_out_of_range_are_a_damaged_run(tmp_path, capsys, out, name, value):
    run = tmp_path / "damaged"
    shutil.copytree(runs_in(out)[0], run)
    with np.load(run / "outcomes.npz") as arrays:
        kept = {key: arrays[key] for key in arrays.files}
    if value is None:
        kept[name] = kept[name][:-1]
    else:
        kept[name] = kept[name].copy()
        kept[name][0] = value
    np.savez(run / "outcomes.npz", **kept)
    as_format_2(run)  # unchecked by hash, as a run saved before hashes were recorded
    _fails(["report", str(run)], capsys, "damaged outcomes: ", out)


def test_unit_arrays_of_damaged_shape(tmp_path, capsys, out):
    run = tmp_path / "damaged"
    shutil.copytree(runs_in(out)[0], run)
    with np.load(run / "units.npz") as arrays:
        kept = {name: arrays[name] for name in arrays.files}
    kept["lenient.counts"] = kept["lenient.counts"][:3]
    np.savez(run / "units.npz", **kept)
    as_format_2(run)  # as a run saved before its files' hashes were recorded
    _fails(["compare", str(runs_in(out)[0]), str(run)], capsys, "damaged unit statistics", out)


# ---------------------------------------------------------------- 6: bench report -o replaces only an earlier report

def test_report_output_replaces_only_a_provable_earlier_report(tmp_path, capsys, out):
    """A file that merely mentions the report's generator tag is a user's file; so is an edited report."""
    from bench.pages import render_report
    from bench.pages.assets import GENERATOR_TAG

    run = runs_in(out)[0]
    page = render_report([run])
    users = {
        "tool.py": f"# writes pages marked {GENERATOR_TAG}0.1\">\nprint('hello')\n",
        "notes.html": f"<!DOCTYPE html>\n<html><head>{GENERATOR_TAG}0.3.0\"></head><body>my notes</body></html>\n",
        "edited.html": page.replace("</main>", "<p>my comment</p></main>"),  # a report someone wrote into
        "forged.html": page.replace("sha256:", "sha256:0", 1),
    }
    for name, text in users.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        _fails(["report", str(run), "-o", str(tmp_path / name)], capsys, "is not a ClaimBench report")
        assert (tmp_path / name).read_text(encoding="utf-8") == text
    target = tmp_path / "page.html"
    assert main(["report", str(run), "-o", str(target)]) == 0
    first = target.stat().st_ino
    assert main(["report", str(run), "-o", str(target)]) == 0  # an earlier report, untouched since: replaced
    assert target.read_text(encoding="utf-8") == page and target.stat().st_ino != first
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("appears", ["user file", "earlier report"])
def test_a_file_created_at_the_target_while_the_report_renders_is_kept(tmp_path, capsys, out, monkeypatch, appears):
    """The check is made on the file that would be lost, after it is taken from its name, not before rendering."""
    import bench.pages as report

    run = runs_in(out)[0]
    target = tmp_path / "page.html"
    page = report.render_report([run])
    theirs = "<html>written by another program meanwhile</html>" if appears == "user file" else page
    real = report.render_report

    def slow_render(*args, **kwargs):
        done = real(*args, **kwargs)
        target.write_text(theirs, encoding="utf-8")  # appears after the first check, before the page is placed
        return done

    monkeypatch.setattr(report, "render_report", slow_render)
    if appears == "user file":
        _fails(["report", str(run), "-o", str(target)], capsys, "is not a ClaimBench report")
        assert target.read_text(encoding="utf-8") == theirs
    else:
        assert main(["report", str(run), "-o", str(target)]) == 0
        assert target.read_text(encoding="utf-8") == page
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_replaceable_file_swapped_for_a_user_file_is_put_back(tmp_path):
    """write_replacing judges the file it moved aside: a swap after the look is never lost."""
    from bench.jsonio import NotReplaceable, write_replacing

    target = tmp_path / "t.txt"
    target.write_text("old", encoding="utf-8")
    seen = []

    def judge(data: bytes) -> bool:
        seen.append(data)
        return False

    with pytest.raises(NotReplaceable):
        write_replacing(target, b"new", judge)
    assert seen == [b"old"] and target.read_text(encoding="utf-8") == "old"
    assert write_replacing(target, b"new", lambda data: data == b"old") == target
    assert target.read_bytes() == b"new" and sorted(p.name for p in tmp_path.iterdir()) == ["t.txt"]


# ---------------------------------------------------------------- 11: control characters in reports

def test_control_characters_of_documents_are_escaped_in_reports(tmp_path, capsys):
    """NUL, ESC, DEL, a C1 control and CR in a document, a claimant and a prediction's text never reach the page
    raw; each shows as one visible mark, so offsets still fall on their characters."""
    from html.parser import HTMLParser

    text = "Officials said\x00 the\x1b[31m count rose\x7f to 40.\r\nThe mayor\x85 said it would fall."
    (tmp_path / "docs.jsonl").write_text(json.dumps({"doc_id": "d1", "text": text}) + "\n", encoding="utf-8")
    claim = text.index("the"), text.index(" to 40.") + 7
    gold = {"doc_id": "d1", "claims": [{"id": "c1", "start": claim[0], "end": claim[1],
                                        "text": text[claim[0]:claim[1]], "type": "quantity",
                                        "claimant": "Officials", "attribution": "indirect"}]}
    (tmp_path / "gold.jsonl").write_text(json.dumps(gold) + "\n", encoding="utf-8")
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"doc_id": "d1", "start": claim[0], "end": claim[1], "type": "quantity",
                                 "claimant": "Offi\x1bcials"}) + "\n", encoding="utf-8")
    runs = tmp_path / "runs"
    assert main(["score", str(preds), "--gold", str(tmp_path / "gold.jsonl"), "--docs", str(tmp_path / "docs.jsonl"),
                 "--out", str(runs), "--quiet", "--bootstrap", "0", "--report"]) == 0
    capsys.readouterr()
    page = (runs_in(runs)[0] / "report.html").read_text(encoding="utf-8")
    for raw in ("\x00", "\x1b", "\x7f", "\x85", "\r"):
        assert raw not in page, repr(raw)
    assert "␀" in page and "␛[31m" in page and "␡" in page and "␍" in page

    class Text(HTMLParser):
        found = ""
        inside = 0

        def handle_starttag(self, tag, attrs):
            if tag == "div" and "text" in (dict(attrs).get("class") or "").split():
                self.inside = 1
            elif self.inside and tag == "span" and "mk" in (dict(attrs).get("class") or "").split():
                self.inside += 10  # badges are not text

        def handle_endtag(self, tag):
            if self.inside > 10 and tag == "span":
                self.inside -= 10
            elif self.inside == 1 and tag == "div":
                self.inside = 0

        def handle_data(self, data):
            if self.inside == 1:
                self.found += data

    shown = Text()
    shown.feed(page)
    assert len(shown.found) == len(text)  # one mark for one character: every offset still lands


# ---------------------------------------------------------------- round 3: tamper-evident runs

def test_a_file_dropped_from_the_hash_list_is_refused(tmp_path, capsys, out):
    """Deleting an entry of ``files`` must not let that file be read unchecked (compare once showed a
    "significant" +0.000 from swapped units this way)."""
    for name, argv in (("units.npz", "compare"), ("outcomes.npz", "report"), ("predictions.jsonl", "report")):
        run = tmp_path / f"unlisted-{name}"
        shutil.copytree(runs_in(out)[0], run)
        results = json.loads((run / "results.json").read_text())
        del results["files"][name]
        (run / "results.json").write_text(json.dumps(results))
        _fails([argv, str(run)], capsys, f"lists no hash for {name}, which every run writes", out)


def test_a_newer_run_relabelled_as_format_2_is_refused(tmp_path, capsys, out):
    run = tmp_path / "relabelled"
    shutil.copytree(runs_in(out)[0], run)
    results = json.loads((run / "results.json").read_text())
    results["format"] = 2  # its hashes, names and failures say otherwise
    (run / "results.json").write_text(json.dumps(results))
    for argv in (["compare", str(run)], ["report", str(run)]):
        _fails(argv, capsys, "format 2", out)


# ---------------------------------------------------------------- round 3: exact signatures

def test_a_threshold_is_signed_exactly(tmp_path, capsys):
    preds = gold_as_predictions(tmp_path / "p.jsonl")
    signatures = []
    for iou in ("0.5", "0.5000001"):
        assert main(["score", str(preds), "--iou", iou, "--bootstrap", "0", "--format", "json", "--quiet",
                     "--out", str(tmp_path / iou)]) == 0
        signatures.append(json.loads(capsys.readouterr().out)["signature"])
    assert "|thr:0.5|" in signatures[0] and "|thr:0.5000001|" in signatures[1]


def test_an_end_to_end_links_run_signs_the_threshold_of_its_claims_run(tmp_path, capsys):
    """One claims run id and predictions hash scored at two thresholds decides different stand-ins."""
    preds = gold_as_predictions(tmp_path / "p.jsonl", ids=True)
    signatures = []
    for iou in ("0.5", "0.9"):
        folder = tmp_path / iou
        assert main(["score", str(preds), "--iou", iou, "--bootstrap", "0", "--quiet", "--name", "same",
                     "--out", str(folder / "claims")]) == 0
        capsys.readouterr()
        (run,) = runs_in(folder / "claims")
        assert main(["score", str(GOLD / "links.json"), "--task", "links", "--claims-run", str(run), "--bootstrap",
                     "0", "--format", "json", "--quiet", "--out", str(folder / "links")]) == 0
        signatures.append(json.loads(capsys.readouterr().out)["signature"])
    assert f",thr={0.5}," in signatures[0] and ",thr=0.9," in signatures[1]


# ---------------------------------------------------------------- round 3: what a run file holds is data

@pytest.mark.parametrize("recorded", ["../../..", "*", "/etc", "a/b"])
def test_a_recorded_claims_run_is_an_id_never_a_path(tmp_path, capsys, recorded):
    preds = gold_as_predictions(tmp_path / "p.jsonl", ids=True)
    assert main(["score", str(preds), "--bootstrap", "0", "--quiet", "--out", str(tmp_path / "claims")]) == 0
    (claims,) = runs_in(tmp_path / "claims")
    out = tmp_path / "links"
    assert main(["score", str(GOLD / "links.json"), "--task", "links", "--claims-run", str(claims), "--bootstrap",
                 "0", "--quiet", "--out", str(out)]) == 0
    capsys.readouterr()
    (run,) = runs_in(out)
    results = json.loads((run / "results.json").read_text())
    results["inputs"]["claims_run"] = recorded
    (run / "results.json").write_text(json.dumps(results))
    _fails(["report", str(run)], capsys, "which is not a run id", out)


# ---------------------------------------------------------------- round 3: numbers at the edges

def _quantity(**fields) -> str:
    row = {"doc_id": "000_2ed1a488bd7a9f20", "start": 2021, "end": 2028, "low": 3, "high": None,
           "low_inclusive": True, "high_inclusive": False, "approximate": True, "unit": "count"}
    return json.dumps(row | fields)


@pytest.mark.parametrize("field, value, expected", [
    ("low", 10 ** 400, 'field "low" is out of range (401 digits; numbers up to 1e18)'),
    ("high", -(10 ** 19), 'field "high" is out of range (-1e+19'),
    ("low", 1e300, 'field "low" is out of range (1e+300'),
    ("score", 10 ** 400, 'field "score" is out of range'),
])
def test_numbers_beyond_the_range_are_one_line(tmp_path, capsys, out, field, value, expected):
    preds = _lines(tmp_path, _quantity(**{field: value}))
    _fails(["score", str(preds), "--task", "quantities", "--out", str(out)], capsys, f"{preds}:1: {expected}", out)
    assert main(["score", str(preds), "--task", "quantities", "--check"]) == 1
    captured = capsys.readouterr()
    assert captured.out == f"{preds}:1: {expected}" + captured.out.partition(expected)[2]
    assert captured.err == f"{preds}: 1 problem\n"


def test_a_gold_number_beyond_the_range_is_refused_by_validate_and_run(gold_copy, capsys):
    path = sorted((gold_copy / "gold").glob("0*.json"))[0]
    record = json.loads(path.read_text(encoding="utf-8"))
    record["quantities"][0]["low"] = 10 ** 400
    path.write_text(json.dumps(record), encoding="utf-8")
    common = ["--gold", str(gold_copy / "gold"), "--docs", str(gold_copy / "seeds")]
    assert main(["validate", *common]) == 1  # one problem: the unreadable file is not also "without gold"
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"{path}: quantity q1: field \"low\" is out of range (401 digits; "
                                         "numbers up to 1e18)"]
    _fails(["run", "--model", "rules", "--task", "quantities", *common, "--out", str(gold_copy / "r")], capsys,
           "out of range (401 digits")


def test_the_rules_model_never_emits_a_number_the_format_refuses(tmp_path, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    huge = "9" * 400
    (docs / "a.txt").write_text(f"Officials said {huge} people were counted, and 1e-300 of them left. "
                                f"He said about {huge}.{huge} tonnes arrived.\n", encoding="utf-8")
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "a.json").write_text(json.dumps({"doc_id": "a", "claims": [], "quantities": []}), encoding="utf-8")
    for task in ("claims", "quantities"):
        assert main(["run", "--model", "rules", "--task", task, "--gold", str(gold), "--docs", str(docs),
                     "--bootstrap", "0", "--quiet", "--out", str(tmp_path / task)]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_values_are_compared_with_a_relative_tolerance():
    from bench.values import value_exact

    tiny = lambda v: Quantity_of(low=v, high=v)
    assert not value_exact(tiny(1e-13), tiny(2e-13))
    assert value_exact(tiny(1 / 3), tiny(0.333333333333))


def Quantity_of(**fields):
    from bench.records import Quantity

    base = dict(id="q", start=0, end=1, low=None, high=None, low_inclusive=True, high_inclusive=True,
                approximate=False, unit="count")
    return Quantity(**(base | fields))


# ---------------------------------------------------------------- round 3: the Python API

def test_api_arguments_of_the_wrong_kind_are_input_errors(tmp_path, out):
    import bench

    run = str(runs_in(out)[0])
    for labels in (3, "ab", ["a", 3]):
        with pytest.raises(bench.InputError, match="labels: expected a list of labels"):
            bench.compare([run, run], labels=labels)
    with pytest.warns(bench.BenchWarning, match="compared with itself"):
        assert bench.compare([run, run], labels=("a", "b"), bootstrap=0).labels == ["a", "b"]


def test_numpy_numbers_are_accepted_as_settings_and_sign_as_python_numbers(tmp_path):
    import bench

    preds = gold_as_predictions(tmp_path / "p.jsonl", drop_every=3)
    plain = bench.evaluate(preds, threshold=0.5, align_threshold=0.5, bootstrap=20, seed=3)
    numpy = bench.evaluate(preds, threshold=np.float32(0.5), align_threshold=np.float64(0.5),
                           bootstrap=np.int64(20), seed=np.uint8(3))
    assert numpy.signature == plain.signature and numpy.to_dict()["scores"] == plain.to_dict()["scores"]


def test_concurrent_evaluations_write_files_with_the_same_modes(tmp_path):
    """Nothing process-wide (such as the umask) is changed to save a run, so threads cannot race on it."""
    import threading

    import bench

    preds = gold_as_predictions(tmp_path / "p.jsonl")
    umask = os.umask(0o022)
    os.umask(umask)
    folders = []
    threads = [threading.Thread(target=lambda k=k: folders.append(
        bench.evaluate(preds, bootstrap=5, out=tmp_path / f"out{k}").folder)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(folders) == 8
    for folder in folders:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~umask
        assert {stat.S_IMODE(f.stat().st_mode) for f in folder.iterdir()} == {0o666 & ~umask}


# ---------------------------------------------------------------- round 3: links end to end

def test_links_over_offset_only_claims_equal_links_over_the_gold_claims(tmp_path, capsys):
    """A claims run that gives offsets and no text or ids is linked on the text its offsets cover."""
    preds = gold_as_predictions(tmp_path / "p.jsonl")
    assert "text" not in preds.read_text() and '"id"' not in preds.read_text()
    assert main(["score", str(preds), "--bootstrap", "0", "--quiet", "--out", str(tmp_path / "claims")]) == 0
    capsys.readouterr()
    (claims,) = runs_in(tmp_path / "claims")
    scores = []
    for extra in ([], ["--claims-run", str(claims)]):
        assert main(["run", "--model", "rules", "--task", "links", *extra, "--bootstrap", "0", "--quiet",
                     "--format", "json", "--out", str(tmp_path / "links")]) == 0
        scores.append(json.loads(capsys.readouterr().out)["scores"]["no-singletons"])
    assert scores[0]["conll"]["f1"] > 0.3
    for metric in ("muc", "b3", "ceafe", "lea", "conll", "conflicts"):
        assert scores[1][metric] == scores[0][metric], metric


def test_a_given_claim_id_never_collides_with_a_generated_name(tmp_path, capsys):
    """Claims without a unique id of their own are named L<line>; a claim that was given that very id keeps it."""
    doc = "000_2ed1a488bd7a9f20"
    rows = [{"doc_id": doc, "id": "L2", "start": 0, "end": 40, "type": "event"},  # claims L2, the next line's name
            {"doc_id": doc, "start": 101, "end": 206, "type": "event"},
            {"doc_id": doc, "id": "x", "start": 300, "end": 340, "type": "event"},
            {"doc_id": doc, "id": "x", "start": 400, "end": 440, "type": "event"}]
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["score", str(path), "--bootstrap", "0", "--quiet", "--out", str(tmp_path / "claims")]) == 0
    (claims,) = runs_in(tmp_path / "claims")
    names = ["L2", "L2'", "L3", "L4"]
    links = {"clusters": [{"id": "k", "claims": [{"doc_id": doc, "id": n} for n in names]}], "conflicts": []}
    linked = tmp_path / "links.json"
    linked.write_text(json.dumps(links), encoding="utf-8")
    capsys.readouterr()
    assert main(["score", str(linked), "--task", "links", "--claims-run", str(claims), "--bootstrap", "0",
                 "--quiet", "--format", "json", "--out", str(tmp_path / "links")]) == 0
    counts = json.loads(capsys.readouterr().out)["scores"]["singletons"]["counts"]
    # four claims of the run in one cluster; the second line's span is a gold claim's, the others spurious
    assert counts["response_entities"] == 1 and counts["spurious_mentions"] == 3
    links["clusters"][0]["claims"].append({"doc_id": doc, "id": "x"})  # not unique: it has no name of its own
    linked.write_text(json.dumps(links), encoding="utf-8")
    _fails(["score", str(linked), "--task", "links", "--claims-run", str(claims), "--quiet", "--out",
            str(tmp_path / "links")], capsys, f"claim {doc}/x is not a claim of run")


@pytest.mark.parametrize("damage", ["negative", "nan", "zero", "float"])
def test_unit_counts_that_are_not_counts_make_a_damaged_run(tmp_path, capsys, out, damage):
    """Counts are checked, not only hashed: a run read unchecked (format 2) with negative or NaN counts, or
    counts its scores were not computed from, is refused, and the regression gate passes nothing on them."""
    run = tmp_path / "damaged"
    shutil.copytree(runs_in(out)[0], run)
    with np.load(run / "units.npz") as arrays:
        kept = {name: arrays[name] for name in arrays.files}
    counts = kept["lenient.counts"].astype(np.float64 if damage in ("nan", "float") else np.int64)
    counts[0, 0] = {"negative": -3, "nan": np.nan, "zero": 0, "float": 0.5}[damage]
    if damage == "zero":
        counts[:] = 0
    kept["lenient.counts"] = counts
    np.savez(run / "units.npz", **kept)
    as_format_2(run)
    code = main(["compare", str(runs_in(out)[0]), str(run), "--fail-on-regression"])
    err = capsys.readouterr().err
    one_line_error(code, err, "damaged unit statistics" if damage in ("negative", "nan") else "in the scores but")


# ---------------------------------------------------------------- round 3: whatever bench writes, bench reads back

def test_a_run_of_the_first_documents_can_be_reported(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", "--model", "rules", "--limit", "2", "--bootstrap", "0", "--quiet", "--out", str(out)]) == 0
    capsys.readouterr()
    (run,) = runs_in(out)
    assert main(["report", str(run)]) == 0
    page = (run / "report.html").read_text(encoding="utf-8")
    documents = sorted(p.stem for p in SEEDS.glob("*.txt"))
    shown = {d for d in documents if f'class="card article" id="doc-{documents.index(d)}" data-doc="{d}"' in page}
    assert shown == set(documents[:2])


def test_a_run_that_found_nothing_is_read_back_by_every_reader(tmp_path, capsys):
    empty = tmp_path / "nothing.jsonl"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "results"
    assert main(["score", str(empty), "--bootstrap", "0", "--quiet", "--out", str(out)]) == 0
    (run,) = runs_in(out)
    assert (run / "predictions.jsonl").read_bytes() == b""
    assert main(["report", str(run)]) == 0
    assert main(["score", str(run / "predictions.jsonl"), "--bootstrap", "0", "--quiet", "--out", str(out)]) == 0
    no_links = tmp_path / "links.json"
    no_links.write_text('{"clusters": [], "conflicts": []}', encoding="utf-8")
    assert main(["score", str(no_links), "--task", "links", "--claims-run", str(run), "--bootstrap", "0",
                 "--quiet", "--out", str(tmp_path / "links")]) == 0
    capsys.readouterr()
    assert main(["compare", *map(str, runs_in(out)), "--format", "json"]) == 0
    assert "n/a" not in capsys.readouterr().err
