"""Sharded runs: ``bench run --shard K/N`` and ``bench merge`` give exactly the run one process makes,
and refuse shards that are not one complete set (the models' own shards: ``test_shards_models.py``;
on Ray: ``test_shards_ray.py``). The corpus is the held-out development split: six documents, two in
each of three shards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, one_line_error
from sharding import CORPUS, DEV, SEEDS, assert_same_run, bench, finished, flaky, results, run_sharded, run_whole  # noqa: F401 (flaky: a fixture)

import bench as api
from bench.corpus.shards import Shard, shard_index

# ---------------------------------------------------------------- the shards themselves

def test_shards_split_the_ids_by_a_digest_the_same_in_every_process():
    ids = [f"doc-{k}" for k in range(200)] + ["Ünïcode", "", "a" * 500]
    for n in (1, 2, 3, 7):
        held = [[d for d in ids if Shard(k, n).holds(d)] for k in range(1, n + 1)]
        assert sorted(sum(held, [])) == sorted(ids)  # disjoint, and every id in one
    script = "from bench.corpus.shards import shard_index; print([shard_index(f'doc-{k}', 7) for k in range(200)])"
    seen = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        seen.add(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                                check=True).stdout)
    assert seen == {str([shard_index(f"doc-{k}", 7) for k in range(200)]) + "\n"}
    assert len(set(json.loads(seen.pop()))) == 7


@pytest.mark.parametrize("spec, expected", [("0/3", "K must be from 1 to N"), ("4/3", "K must be from 1 to N"),
                                            ("3", "expected K/N"), ("a/b", "expected K/N")])
def test_a_bad_shard_is_refused(capsys, tmp_path, spec, expected):
    code, _, err = bench(capsys, "run", "--model", "rules", "--shard", spec, "--out", tmp_path, "--quiet")
    one_line_error(code, err, expected)
    assert list(tmp_path.iterdir()) == []


def test_a_shard_run_says_which_shard_of_which_corpus_it_is(capsys, tmp_path):
    code, out, err = bench(capsys, "run", "--model", "rules", *CORPUS, "--shard", "2/3", "--out", tmp_path,
                           "--quiet", "--format", "json")
    assert code == 0, err
    found = json.loads(out)
    assert found["signature"].endswith("|shard:2/3") and found["system"]["shard"] == "2/3"
    assert found["shard"]["k"] == 2 and found["shard"]["n"] == 3
    assert found["shard"]["corpus"]["documents"] == 6 and found["gold"]["documents"] == 2
    assert found["shard"]["corpus"]["path"] == found["gold"]["path"]
    (folder,) = finished(tmp_path)
    assert folder.name.startswith("rules-2of3-")


def test_a_shard_that_holds_no_document_has_nothing_to_run(capsys, tmp_path):
    (empty,) = [k for k in (1, 2, 3) if not Shard(k, 3).of(sorted(p.stem for p in (ROOT / "seeds").glob("*.txt")))]
    code, out, err = bench(capsys, "run", "--model", "rules", *SEEDS, "--shard", f"{empty}/3", "--out", tmp_path)
    assert code == 0 and out == ""
    assert f"shard {empty}/3 holds none of the 5 documents" in err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- merged = one process

def test_rules_three_shards_merge_into_the_unsharded_run(capsys, tmp_path):
    argv = ["--model", "rules", *CORPUS]
    merged, shards = run_sharded(capsys, tmp_path, 3, argv)
    assert len(shards) == 3
    assert_same_run(merged, run_whole(capsys, tmp_path, argv))


def test_failed_documents_merge_as_one_run_records_them(capsys, tmp_path, flaky):
    docs = sorted(p.stem for p in (DEV / "docs").glob("*.txt"))
    (flaky / "fail.txt").write_text("\n".join(Shard(k, 3).of(docs)[0] for k in (1, 2, 3)))  # one in each shard
    argv = ["--model", f"{flaky / 'flaky.py'}:Flaky", *CORPUS, "--on-error", "skip", "--max-failures", "1",
            "--bootstrap", "200"]
    merged, _ = run_sharded(capsys, tmp_path, 3, argv)
    whole = run_whole(capsys, tmp_path, argv)
    assert_same_run(merged, whole)
    assert len(results(whole)["failures"]) == 3 and "|skipped:3#" in results(whole)["signature"]


def test_the_python_api_runs_a_shard_and_merges_as_the_command_line_does(tmp_path):
    shards = [api.run(model="rules", gold=CORPUS[1], docs=CORPUS[3], shard=f"{k}/3", out=tmp_path / "shards",
                      bootstrap=200) for k in (1, 2, 3)]
    assert [s.results.shard.k for s in shards] == [1, 2, 3] and all(s.folder is not None for s in shards)
    merged = api.merge([s.folder for s in shards], out=tmp_path / "merged")
    whole = api.run(model="rules", gold=CORPUS[1], docs=CORPUS[3], bootstrap=200, out=tmp_path / "whole")
    assert merged.signature == whole.signature and merged.scores == whole.scores
    assert_same_run(merged.folder, whole.folder)
    with pytest.raises(api.InputError, match="shards and ray_address go with"):
        api.run(model="rules", shards=2)


# ---------------------------------------------------------------- refusals

@pytest.fixture
def rules_shards(capsys, tmp_path):
    out = tmp_path / "rules"
    for k in (1, 2, 3):
        assert bench(capsys, "run", "--model", "rules", *CORPUS, "--shard", f"{k}/3", "--out", out, "--quiet")[0] == 0
    return finished(out)


def test_a_missing_shard_is_refused(capsys, tmp_path, rules_shards):
    code, out, err = bench(capsys, "merge", *rules_shards[:2], "--out", tmp_path / "merged")
    one_line_error(code, err, "1 shard(s) of 3 missing (3/3)")
    assert out == "" and not (tmp_path / "merged").exists()


def test_a_repeated_shard_is_refused(capsys, tmp_path, rules_shards):
    assert bench(capsys, "run", "--model", "rules", *CORPUS, "--shard", "1/3", "--out", tmp_path / "again",
                 "--quiet")[0] == 0
    code, _, err = bench(capsys, "merge", *rules_shards, *finished(tmp_path / "again"), "--out", tmp_path / "m")
    one_line_error(code, err, "shard 1/3 is given twice")


def test_a_shard_of_another_corpus_is_refused(capsys, tmp_path, rules_shards):
    seeds_out = tmp_path / "seeds"
    assert bench(capsys, "run", "--model", "rules", *SEEDS, "--shard", "3/3", "--out", seeds_out, "--quiet")[0] == 0
    code, _, err = bench(capsys, "merge", *rules_shards[:2], *finished(seeds_out), "--out", tmp_path / "m")
    one_line_error(code, err, "differ in their corpus (gold or documents)")


def test_shards_with_other_model_arguments_are_refused(capsys, tmp_path, flaky):
    model = f"{flaky / 'flaky.py'}:Flaky"
    out = tmp_path / "shards"
    for k, keep in ((1, 1000), (2, 1000), (3, 2)):
        assert bench(capsys, "run", "--model", model, "--model-arg", f"keep={keep}", *CORPUS, "--shard", f"{k}/3",
                     "--out", out, "--quiet")[0] == 0
    code, _, err = bench(capsys, "merge", *finished(out), "--out", tmp_path / "m")
    one_line_error(code, err, "differ in their model arguments")


def test_shards_of_other_splits_and_whole_runs_are_refused(capsys, tmp_path, rules_shards):
    docs = sorted(p.stem for p in (DEV / "docs").glob("*.txt"))
    k = next(k for k in (1, 2, 3, 4) if Shard(k, 4).of(docs))
    assert bench(capsys, "run", "--model", "rules", *CORPUS, "--shard", f"{k}/4", "--out", tmp_path / "four",
                 "--quiet")[0] == 0
    code, _, err = bench(capsys, "merge", *rules_shards, *finished(tmp_path / "four"), "--out", tmp_path / "m")
    one_line_error(code, err, f"is shard {k}/4")
    whole = run_whole(capsys, tmp_path, ["--model", "rules", *CORPUS])
    code, _, err = bench(capsys, "merge", whole, *rules_shards, "--out", tmp_path / "m")
    one_line_error(code, err, "is not a shard run")


def test_a_shard_of_links_is_refused(capsys, tmp_path):
    code, _, err = bench(capsys, "run", "--model", "rules", "--task", "links", "--shard", "1/2", "--out", tmp_path)
    one_line_error(code, err, "--shard is for per-document tasks")


def test_ray_missing_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the distributed extra were not installed
    code, out, err = bench(capsys, "run", "--model", "rules", *CORPUS, "--executor", "ray", "--out", tmp_path)
    one_line_error(code, err, "--executor ray needs Ray: pip install 'claimbench[distributed]'")
    assert out == "" and list(tmp_path.iterdir()) == []
    code, _, err = bench(capsys, "run", "--model", "rules", "--shards", "2", "--out", tmp_path)
    one_line_error(code, err, "--shards and --ray-address go with --executor ray")


def test_merge_finds_a_moved_corpus_by_its_hashes(capsys, tmp_path, rules_shards):
    import shutil

    moved = tmp_path / "moved"
    shutil.copytree(DEV, moved)
    code, _, err = bench(capsys, "merge", *rules_shards, "--gold", moved / "gold", "--docs", moved / "docs",
                         "--out", tmp_path / "m")
    assert code == 0, err
    (merged,) = finished(tmp_path / "m")
    assert results(merged)["gold"]["path"] == results(rules_shards[0])["shard"]["corpus"]["path"]
    code, _, err = bench(capsys, "merge", *rules_shards, *SEEDS, "--out", tmp_path / "m2")  # another corpus
    one_line_error(code, err, "are not those the shards were made on")


def test_merge_cache_refuses_what_is_not_a_cache(capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("not a database")
    code, _, err = bench(capsys, "merge-cache", "--into", tmp_path / "into.sqlite", tmp_path / "notes.txt")
    one_line_error(code, err, "not a cache of the openai model")
    code, _, err = bench(capsys, "merge-cache", "--into", tmp_path / "into.sqlite", tmp_path / "absent.sqlite")
    one_line_error(code, err, "no such cache file")
