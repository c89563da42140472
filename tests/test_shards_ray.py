"""``bench run --executor ray`` on a local Ray instance: the shards as Ray tasks, merged into the run one
process makes; a failed shard is kept apart and ``--resume`` runs it alone."""

from __future__ import annotations

import json

import pytest
from conftest import one_line_error
from sharding import CORPUS, DEV, assert_same_run, bench, finished, flaky, run_whole  # noqa: F401 (flaky: a fixture)

from bench.corpus.shards import Shard, shard_index


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance for the module (starting one takes seconds); ``bench`` uses it and leaves it up."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


def test_ray_runs_the_shards_and_merges_them_into_the_unsharded_run(capsys, tmp_path, local_ray):
    argv = ["--model", "rules", *CORPUS]
    code, _, err = bench(capsys, "run", *argv, "--executor", "ray", "--shards", "3", "--out", tmp_path / "ray",
                         "--quiet")
    assert code == 0, err
    (merged,) = finished(tmp_path / "ray")
    (shards_folder,) = (tmp_path / "ray").glob("*.shards")
    assert len(finished(shards_folder)) == 3
    assert_same_run(merged, run_whole(capsys, tmp_path, argv))
    code, out, _ = bench(capsys, "leaderboard", tmp_path / "ray", "--format", "json")
    assert code == 0 and len(json.loads(out)["tables"][0]["systems"]) == 1  # the shard runs are not listed


def test_ray_keeps_finished_shards_and_resume_reruns_only_the_failed_one(capsys, tmp_path, local_ray, flaky):
    docs = sorted(p.stem for p in (DEV / "docs").glob("*.txt"))
    bad = docs[0]
    (flaky / "fail.txt").write_text(bad)
    argv = ["--model", f"{flaky / 'flaky.py'}:Flaky", *CORPUS, "--bootstrap", "200"]
    code, out, err = bench(capsys, "run", *argv, "--executor", "ray", "--shards", "3", "--out", tmp_path / "ray",
                           "--quiet")
    (folder,) = (tmp_path / "ray").glob("*.shards")
    one_line_error(code, err, f"1 of 3 shards failed (shard {shard_index(bad, 3) + 1}/3: ")
    assert f"--resume {folder}" in err and f"cannot read {bad}" in err and out == ""
    assert len(finished(folder)) == 2 and finished(tmp_path / "ray") == []
    (flaky / "fail.txt").unlink()
    (flaky / "asked.txt").unlink()
    code, _, err = bench(capsys, "run", *argv, "--executor", "ray", "--shards", "3", "--out", tmp_path / "ray",
                         "--resume", folder, "--quiet")
    assert code == 0, err
    again = (flaky / "asked.txt").read_text().split()
    assert sorted(again) == Shard(shard_index(bad, 3) + 1, 3).of(docs)  # only the failed shard ran again
    (merged,) = finished(tmp_path / "ray")
    assert_same_run(merged, run_whole(capsys, tmp_path, argv))
