"""The trained and the remote model sharded: the transformer (trained for each left-out document) and the
openai model against a local OpenAI-compatible server, each merged into exactly the unsharded run."""

from __future__ import annotations

from sharding import CORPUS, SEEDS, assert_same_run, bench, finished, results, run_sharded, run_whole


def test_transformer_three_shards_merge_into_the_unsharded_run(capsys, tmp_path):
    # the first four documents fill the three shards; each is trained leave-one-document-out over the four
    argv = ["--model", "transformer", *CORPUS, "--limit", "4", "--bootstrap", "200"]
    merged, _ = run_sharded(capsys, tmp_path, 3, argv)
    assert_same_run(merged, run_whole(capsys, tmp_path, argv))


def test_openai_shards_merge_into_the_unsharded_run_and_so_do_their_caches(capsys, tmp_path):
    from llm_fake import MODEL, FakeLLM

    fake = FakeLLM().start()
    try:
        def argv(cache):
            return ["--model", "openai", "--model-arg", f"base_url={fake.url}", "--model-arg", f"model={MODEL}",
                    "--model-arg", f"cache={tmp_path / cache}", *SEEDS, "--bootstrap", "200"]

        shard_out, caches = tmp_path / "shards", []
        for k in (1, 2, 3):  # each shard with a cache of its own, as on separate machines
            caches.append(tmp_path / f"cache{k}.sqlite")
            code, _, err = bench(capsys, "run", *argv(caches[-1].name), "--shard", f"{k}/3", "--out", shard_out,
                                 "--quiet")
            assert code == 0, err
        shards = finished(shard_out)
        assert len(shards) == 2  # the seed articles fill two shards of three
        code, _, err = bench(capsys, "merge", *shards, "--out", tmp_path / "merged")
        assert code == 0, err
        asked = len(fake.chat)
        assert asked == 5
        whole = run_whole(capsys, tmp_path, argv(caches[0].name))  # the cache of the first shard's machine
        merged = finished(tmp_path / "merged")[0]
        assert_same_run(merged, whole)
        assert results(merged)["usage"]["requests"] == 5  # the shards' requests, summed
        present = [c for c in caches if c.is_file()]
        code, _, err = bench(capsys, "merge-cache", "--into", tmp_path / "merged.sqlite", *present)
        assert code == 0 and "5 answer(s) added" in err, err
        asked = len(fake.chat)
        code, _, err = bench(capsys, "run", *argv("merged.sqlite"), "--out", tmp_path / "again", "--quiet")
        assert code == 0, err
        assert len(fake.chat) == asked  # every answer came from the merged cache
    finally:
        fake.stop()
