"""A run never loses work: a failing document, Ctrl-C or a kill leaves a partial run that resumes to
exactly the run an uninterrupted command makes; --on-error skip scores a failure as nothing and says so."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, one_line_error, runs_in

from bench.cli import main

FLAKY = '''
import os
from pathlib import Path

from bench.baselines.rules import RulesModel


class Flaky(RulesModel):
    """The rules model, failing on the documents named in $FLAKY_DOCS and pausing after each one."""

    name = "flaky"

    def predict(self, documents):
        doc = documents[0]
        if doc.doc_id in os.environ.get("FLAKY_DOCS", "").split(","):
            raise RuntimeError(f"cannot read {doc.doc_id}")
        pause = float(os.environ.get("FLAKY_PAUSE", "0"))
        if pause:
            import time
            time.sleep(pause)
        return super().predict(documents)
'''


@pytest.fixture(scope="module")
def flaky(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "flaky.py"
    path.write_text(FLAKY)
    return f"{path}:Flaky"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Forty documents made from the seed articles, each with its gold."""
    from bench.corpus import load_corpus

    seeds = load_corpus()
    folder = tmp_path_factory.mktemp("corpus")
    with open(folder / "docs.jsonl", "w", encoding="utf-8") as docs, \
            open(folder / "gold.jsonl", "w", encoding="utf-8") as gold:
        for k in range(40):
            source = seeds.doc_ids[k % 5]
            doc_id = f"u{k:03d}"
            docs.write(json.dumps({"doc_id": doc_id, "text": seeds.documents[source].text}) + "\n")
            claims = [c.to_dict() | {"doc_id": doc_id} for c in seeds.gold[source]]
            gold.write(json.dumps({"doc_id": doc_id, "claims": claims}) + "\n")
    (folder / "claimants.json").write_text(json.dumps(seeds.claimants), encoding="utf-8")
    return ["--gold", str(folder / "gold.jsonl"), "--docs", str(folder / "docs.jsonl")]


def _results(folder) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def _same_run(a: dict, b: dict) -> None:
    """Two runs of the same command: the same scores, signatures and predictions (timing and ids aside)."""
    assert a["scores"] == b["scores"]
    assert a["signatures"] == b["signatures"] and a["signature"] == b["signature"]
    assert a["files"]["predictions.jsonl"] == b["files"]["predictions.jsonl"]
    assert a["failures"] == b["failures"] if "failures" in a or "failures" in b else True


def test_a_failure_stops_the_run_and_resume_finishes_it_as_one_run_would(tmp_path, capsys, monkeypatch, flaky, corpus):
    whole = tmp_path / "whole"
    assert main(["run", "--model", flaky, *corpus, "--out", str(whole), "--quiet", "--bootstrap", "50"]) == 0
    (reference,) = runs_in(whole)
    capsys.readouterr()

    out = tmp_path / "runs"
    monkeypatch.setenv("FLAKY_DOCS", "u017")
    code = main(["run", "--model", flaky, *corpus, "--out", str(out), "--quiet", "--bootstrap", "50"])
    err = capsys.readouterr().err
    one_line_error(code, err, 'failed on document "u017": RuntimeError: cannot read u017')
    (partial,) = runs_in(out)
    assert partial.name.endswith(".partial") and "--resume" in err and str(partial) in err
    journal = (partial / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(journal) == 18 and json.loads(journal[-1]) == {"doc": "u017", "error": json.loads(journal[-1])["error"]}

    # another setting: refused, the partial run untouched
    before = (partial / "journal.jsonl").read_bytes()
    code = main(["run", "--model", flaky, *corpus, "--out", str(out), "--quiet", "--bootstrap", "60",
                 "--resume", str(partial)])
    one_line_error(code, capsys.readouterr().err, "was made with other settings (settings differ)")
    assert (partial / "journal.jsonl").read_bytes() == before

    monkeypatch.delenv("FLAKY_DOCS")
    assert main(["run", "--model", flaky, *corpus, "--out", str(out), "--quiet", "--bootstrap", "50",
                 "--resume", str(partial)]) == 0
    capsys.readouterr()
    (finished,) = runs_in(out)  # the partial run became the finished one
    assert finished.name == partial.name.removesuffix(".partial") and not partial.exists()
    _same_run(_results(finished), _results(reference))


def test_skip_scores_a_failed_document_as_nothing_and_says_so(tmp_path, capsys, monkeypatch, flaky, corpus):
    monkeypatch.setenv("FLAKY_DOCS", "u003,u021")
    out = tmp_path / "runs"
    code = main(["run", "--model", flaky, *corpus, "--out", str(out), "--on-error", "skip", "--bootstrap", "0",
                 "--quiet"])
    captured = capsys.readouterr()
    assert code == 1 and "the model failed on 2 of 40 documents" in captured.err
    (run,) = runs_in(out)
    results = _results(run)
    assert [f["doc_id"] for f in results["failures"]] == ["u003", "u021"]
    assert all("RuntimeError: cannot read" in f["error"] for f in results["failures"])
    assert "the model failed on 2 document(s), scored as predicting nothing: u003:" in captured.out  # the footnote
    assert "|skipped:2#" in results["signature"]
    assert results["coverage"]["predicted"] == 38
    # under the share allowed, the same run exits 0; without failures the signature names none
    assert main(["run", "--model", flaky, *corpus, "--out", str(out), "--on-error", "skip", "--bootstrap", "0",
                 "--quiet", "--max-failures", "0.1"]) == 0
    capsys.readouterr()
    monkeypatch.delenv("FLAKY_DOCS")
    assert main(["run", "--model", flaky, *corpus, "--out", str(out), "--on-error", "skip", "--bootstrap", "0",
                 "--quiet", "--format", "json"]) == 0
    assert "skipped" not in json.loads(capsys.readouterr().out)["signature"]


@pytest.mark.slow
def test_a_run_killed_at_a_random_document_resumes_to_the_uninterrupted_run(tmp_path, flaky, corpus):
    """SIGKILL, the bluntest interruption: the journal loses at most the line being written."""
    env = dict(os.environ, FLAKY_PAUSE="0.02")
    argv = [sys.executable, "-m", "bench.cli", "run", "--model", flaky, *corpus, "--quiet", "--bootstrap", "50"]
    done = subprocess.run([*argv, "--out", str(tmp_path / "whole")], env=env, capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    (reference,) = runs_in(tmp_path / "whole")
    out = tmp_path / "runs"
    process = subprocess.Popen([*argv, "--out", str(out)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    journal = None
    deadline = time.monotonic() + 120
    stop_after = random.Random(os.getpid()).randint(3, 30)  # a random document
    while time.monotonic() < deadline:
        partials = [p for p in out.glob("*.partial")] if out.exists() else []
        if partials and (partials[0] / "journal.jsonl").exists():
            journal = partials[0] / "journal.jsonl"
            if journal.read_bytes().count(b"\n") >= stop_after:
                break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert journal is not None and not any(p.name == journal.parent.name.removesuffix(".partial")
                                           for p in out.iterdir())
    resumed = subprocess.run([*argv, "--out", str(out), "--resume", str(journal.parent)], env=env,
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    (finished,) = runs_in(out)
    _same_run(_results(finished), _results(reference))
