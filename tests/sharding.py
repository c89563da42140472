"""What the sharding tests share: the corpus, a model that fails on demand, running shards and merging them."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from bench.cli import main

DEV = ROOT / "gold" / "dev" / "test"
CORPUS = ["--gold", str(DEV / "gold"), "--docs", str(DEV / "docs")]
SEEDS = ["--gold", str(ROOT / "gold"), "--docs", str(ROOT / "seeds")]
SAME = ("signature", "signatures", "scores", "gold", "evaluation", "system", "inputs", "coverage", "failures",
        "alignment", "task", "model")
RUN_FILES = ("predictions.jsonl", "units.npz", "outcomes.npz", "alignment.jsonl")

# The rules model with one argument, failing on the documents listed in a file next to it
FLAKY = '''
from pathlib import Path

from bench.baselines.rules import RulesModel

FOLDER = Path(r"{folder}")  # in the source, so that each test's model is a module of its own
FAIL = FOLDER / "fail.txt"


class Flaky(RulesModel):
    name = "flaky"

    def __init__(self, keep: int = 1000):  # an argument in the signature, for the refusal of mixed arguments
        super().__init__()
        self.keep = keep

    def predict(self, documents):
        doc = documents[0]
        with open(FOLDER / "asked.txt", "a") as asked:
            asked.write(doc.doc_id + "\\n")
        if FAIL.is_file() and doc.doc_id in FAIL.read_text().split():
            raise RuntimeError(f"cannot read {doc.doc_id}")
        return super().predict(documents)
'''


@pytest.fixture
def flaky(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "flaky.py").write_text(FLAKY.replace("{folder}", str(folder)))
    return folder


def bench(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def finished(out):
    return sorted(p for p in out.iterdir() if (p / "results.json").is_file())


def results(folder) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def assert_same_run(merged, whole) -> None:
    """The merged run is the unsharded one: every score, interval, signature, outcome and prediction."""
    a, b = results(merged), results(whole)
    for key in SAME:
        assert a.get(key) == b.get(key), key
    assert "shard" not in a and "shard" not in a["system"]
    for name in RUN_FILES:
        assert (merged / name).is_file() == (whole / name).is_file(), name
        if (whole / name).is_file():
            assert (merged / name).read_bytes() == (whole / name).read_bytes(), name


def run_sharded(capsys, tmp_path, n, argv):
    """Each shard of ``argv``'s run, then ``bench merge``: (the merged run's folder, the shard runs)."""
    out = tmp_path / "shards"
    for k in range(1, n + 1):
        code, _, err = bench(capsys, "run", *argv, "--shard", f"{k}/{n}", "--out", out, "--quiet")
        assert code == 0, err
    shards = finished(out)
    code, _, err = bench(capsys, "merge", *shards, "--out", tmp_path / "merged", "--format", "json")
    assert code == 0, err
    (merged,) = finished(tmp_path / "merged")
    return merged, shards


def run_whole(capsys, tmp_path, argv):
    code, _, err = bench(capsys, "run", *argv, "--out", tmp_path / "whole", "--quiet")
    assert code == 0, err
    (whole,) = finished(tmp_path / "whole")
    return whole
