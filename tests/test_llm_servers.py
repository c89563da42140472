"""The ``openai`` model against loopback servers that behave like the real ones, one behaviour each.

llama-cpp-python refuses ``json_schema`` with HTTP 500; llama.cpp has slots that queue and
says so in ``/props``; a server restarts mid-run; another model is served under the same
name; answers are cut at ``max_tokens`` or at the context's end; a request does not fit the
context; vLLM says its context in ``/v1/models``; a server drips its answer, sends too much,
nests its JSON too deep, or echoes the key.
"""

import json
import sqlite3
import threading
import time

import pytest
from llm_fake import CLAIMS, DOC_IDS, MODEL, FakeLLM
from test_llm_model import SECRET, bench_run, micro, one_error_line


@pytest.fixture
def fake():
    server = FakeLLM()
    yield server
    server.stop()


def _retry_lines(err):
    return [line for line in err.splitlines() if "retrying in" in line]


def test_llama_cpp_python_refuses_json_schema_with_500_and_json_object_is_used(fake, capsys, tmp_path):
    fake.owned_by, fake.formats, fake.format_status = "me", {"json_object"}, 500
    fake.start()
    code, err, results, _ = bench_run(capsys, tmp_path, fake, limit=3)
    assert code == 0, err
    forms = [(r["body"].get("response_format") or {}).get("type") for r in fake.chat]
    assert forms == ["json_schema", "json_object", "json_object", "json_object"]  # decided once, not per request
    assert fake.chat[1]["body"]["response_format"]["schema"]["required"] == ["claims"]
    provenance = results["provenance"]
    assert provenance["response_format"] == "json_object"
    assert provenance["response_format_tried"][0]["status"] == 500
    assert provenance["server"]["kind"] == "llama-cpp-python"
    assert results["system"]["args"]["response_format"] == "json_object"  # signed: what the answers were asked with
    assert micro(results)["f1"] == 1.0
    assert sum('does not take response_format "json_schema"' in line for line in err.splitlines()) == 1
    fake.chat.clear()  # a rerun knows the format: nothing is asked again
    code, err, again, _ = bench_run(capsys, tmp_path, fake, limit=3)
    assert code == 0 and fake.chat == [] and again["signature"] == results["signature"], err


def test_every_format_refused_falls_back_to_plain_text(fake, capsys, tmp_path):
    fake.formats, fake.fenced = set(), True
    fake.start()
    code, err, results, _ = bench_run(capsys, tmp_path, fake, limit=2)
    assert code == 0, err
    forms = [(r["body"].get("response_format") or {}).get("type") for r in fake.chat]
    assert forms == ["json_schema", "json_object", None, None]
    assert results["provenance"]["answers"] == {"json_schema": 0, "json_object": 0, "none": 2}
    assert micro(results)["f1"] == 1.0


def test_a_chosen_format_the_server_refuses_ends_the_run_with_a_hint(fake, capsys, tmp_path):
    fake.formats, fake.format_status = {"json_object"}, 500
    fake.start()
    code, err, _, _ = bench_run(capsys, tmp_path, fake, "response_format=json_schema", limit=2)
    assert code == 2 and "response_format=json_object or none" in one_error_line(err)
    assert len(fake.chat) == 1


@pytest.mark.parametrize("server", ["refuses stream_options", "does not stream"])
def test_servers_that_stream_differently(server, fake, capsys, tmp_path):
    if server == "refuses stream_options":
        fake.stream_options = False
    else:
        fake.streams = False
    fake.start()
    code, err, results, _ = bench_run(capsys, tmp_path, fake, limit=2)
    assert code == 0, err
    assert len(fake.chat) == (3 if server == "refuses stream_options" else 2)
    assert all(r["body"]["stream"] for r in fake.chat)
    assert micro(results)["f1"] == 1.0 and results["provenance"]["retried"] == 0


def test_a_single_slot_that_queues_gets_one_request_at_a_time(fake, capsys, tmp_path):
    # llama.cpp with one slot: each answer takes 0.3 s; a deadline of 0.5 s per request holds only if no
    # request waits in the server's queue while its deadline runs
    fake.slots, fake.delay, fake.owned_by = 1, 0.3, "llamacpp"
    fake.props = {"total_slots": 1, "default_generation_settings": {"n_ctx": 16384}, "model_path": "/m/a.gguf"}
    fake.start()
    code, err, results, _ = bench_run(capsys, tmp_path, fake, "timeout=0.5", "retries=0", limit=4)
    assert code == 0, err
    assert len(fake.chat) == 4 and fake.max_in_flight == 1 and max(fake.queued_for) < 0.1
    provenance = results["provenance"]
    assert (provenance["concurrency"], provenance["retried"]) == (1, 0)
    assert provenance["server"]["slots"] == 1 and provenance["server"]["identity"]["path"] == "/m/a.gguf"
    # the same server asked 4 at a time: requests wait in its queue and time out
    fake.chat.clear()
    code, err, _, _ = bench_run(capsys, tmp_path, fake, "timeout=0.5", "retries=0", "concurrency=4", "temperature=1",
                                limit=4)
    assert code == 2 and "no complete answer within 0.5 s" in one_error_line(err)


def test_a_server_loading_its_model_is_waited_for(fake, capsys, tmp_path):
    fake.loading, fake.owned_by = 2, "llamacpp"
    fake.props = {"total_slots": 1, "default_generation_settings": {"n_ctx": 16384}}
    fake.start()
    code, err, results, _ = bench_run(capsys, tmp_path, fake, limit=1)
    assert code == 0, err
    assert err.count("is not ready (HTTP 503 for its model list") == 2
    assert results["provenance"]["server"]["kind"] == "llama.cpp"


def test_the_slots_a_server_states_are_used(fake, capsys, tmp_path):
    fake.slots, fake.delay, fake.owned_by = 2, 0.3, "llamacpp"
    fake.props = {"total_slots": 2, "default_generation_settings": {"n_ctx": 16384}}
    fake.start()
    code, err, results, _ = bench_run(capsys, tmp_path, fake, limit=4)
    assert code == 0, err
    assert fake.max_in_flight == 2 and results["provenance"]["concurrency"] == 2


@pytest.mark.parametrize("serving", ["the same model", "another model"])
def test_a_server_that_restarts_mid_run_is_waited_for(serving, fake, capsys, tmp_path):
    fake.stop_after = 2
    fake.start()
    port = fake.port
    restarted = FakeLLM()
    if serving == "another model":
        restarted.models = ["other-weights.gguf"]
        restarted.strict_names = False

    def come_back():
        while fake.answered < 2:
            time.sleep(0.01)
        time.sleep(0.5)
        restarted.start(port=port)

    thread = threading.Thread(target=come_back, daemon=True)
    thread.start()
    try:
        code, err, results, _ = bench_run(capsys, tmp_path, fake, "retries=8", "backoff=0.05")
        if serving == "another model":  # its answer is not taken: two models' answers would be mixed
            assert code == 2 and 'came back serving "other-weights.gguf"' in one_error_line(err)
            with sqlite3.connect(tmp_path / "cache.sqlite") as db:
                assert db.execute("SELECT COUNT(*) FROM completions").fetchone() == (2,)
            return
        assert code == 0, err
        assert sorted(r["doc_id"] for r in fake.chat[:2] + restarted.chat) == DOC_IDS
        lines = _retry_lines(err)
        assert lines and all("connection refused" in line and "restarting" in line for line in lines)
        assert micro(results)["f1"] == 1.0
    finally:
        thread.join(5)
        restarted.stop()


def test_another_model_behind_the_same_name_is_asked_again_and_signed_apart(fake, capsys, tmp_path):
    # llama.cpp serves its one model whatever the name asked for
    fake.models, fake.strict_names, fake.owned_by = ["smollm2-135m.gguf"], False, "llamacpp"
    fake.start()
    code, err, first, _ = bench_run(capsys, tmp_path, fake, limit=2, model="local")
    assert code == 0, err
    assert first["provenance"]["server_model"] == "smollm2-135m.gguf"
    port = fake.port
    fake.stop()
    other = FakeLLM()
    other.models, other.strict_names, other.owned_by = ["gemma-3-270m.gguf"], False, "llamacpp"
    other.start(port=port)
    try:
        code, err, second, _ = bench_run(capsys, tmp_path, other, limit=2, model="local")
        assert code == 0, err
        assert len(other.chat) == 2 and second["usage"]["cache_hits"] == 0  # nothing reused
        assert second["provenance"]["server_model"] == "gemma-3-270m.gguf"
        assert second["signature"] != first["signature"]
        assert any('now serves "gemma-3-270m.gguf" as "local", another model than in an earlier run '
                   '("smollm2-135m.gguf")' in w for w in second["warnings"])
    finally:
        other.stop()


@pytest.mark.parametrize("where", ["max_tokens", "context"])
def test_an_answer_cut_off_keeps_its_complete_claims_and_says_where_it_stopped(where, fake, capsys, tmp_path):
    full = json.dumps({"claims": CLAIMS[DOC_IDS[0]]})
    fake.answers = {DOC_IDS[0]: full}
    fake.truncate = full.index(json.dumps(CLAIMS[DOC_IDS[0]][3])) + 20  # inside the fourth claim
    fake.start()
    fake.truncate_tokens = None if where == "max_tokens" else 900  # the context filled before max_tokens
    args = ["max_tokens=300"] if where == "max_tokens" else ["max_tokens=5000"]
    code, err, results, _ = bench_run(capsys, tmp_path, fake, *args, limit=1)
    assert code == 0, err
    (cut,) = results["provenance"]["truncated_answers"]
    assert cut["cause"] == where and cut["claims_kept"] == 3
    assert cut["prompt_tokens"] == fake.chat[0]["prompt_tokens"] and cut["max_tokens"] in (300, 5000)
    assert micro(results)["tp"] == 3 and results["provenance"]["unusable_answers"] == 0
    expected = "at max_tokens" if where == "max_tokens" else "at the end of the server's context"
    assert any("1 answer(s) were cut off" in w and expected in w for w in results["warnings"])


def test_a_request_too_long_for_the_context_fails_its_document_once_explained(fake, capsys, tmp_path):
    fake.context = 3000
    fake.start()
    code, err, results, _ = bench_run(capsys, tmp_path, fake, "max_tokens=2000", limit=3, extra=("--on-error", "skip"))
    assert code == 1, err  # saved, but the failures count
    assert len(fake.chat) == 3  # one request each: never sent again, without the schema or otherwise
    failures = [f["error"] for f in results["failures"]]
    assert len(failures) == 3 and all("does not fit the server's context" in f for f in failures)
    assert "start the server with a larger context" in failures[0]
    assert not any("larger context" in f for f in failures[1:])  # explained once
    assert "maximum context length is 3000" not in failures[0] and "the server's context is 3000 tokens" in failures[0]


def test_a_context_the_server_states_fits_max_tokens_and_stops_what_cannot_fit(fake, capsys, tmp_path):
    fake.owned_by, fake.entry_extra = "vllm", {"max_model_len": 5200, "root": "org/model"}
    fake.start()
    code, err, results, _ = bench_run(capsys, tmp_path, fake, limit=2)
    assert code == 0, err
    assert all(r["body"]["max_tokens"] < 4096 for r in fake.chat)
    assert results["provenance"]["max_tokens_fitted"]["documents"] == 2
    assert results["provenance"]["server"]["context"] == 5200
    fake.entry_extra = {"max_model_len": 3000}  # the prompt alone does not fit: nothing is sent
    fake.chat.clear()
    code, err, _, _ = bench_run(capsys, tmp_path, fake, limit=1)
    assert code == 2 and "so it was not sent" in one_error_line(err) and fake.chat == []


def test_a_server_that_drips_is_bounded_by_the_total_deadline(fake, capsys, tmp_path):
    fake.drip = 0.02  # a byte every 20 ms: each read is quick, the whole answer would take minutes
    fake.start()
    started = time.monotonic()
    code, err, _, _ = bench_run(capsys, tmp_path, fake, "timeout=1", "retries=0", limit=1)
    assert time.monotonic() - started < 10
    assert code == 2 and "no complete answer within 1 s" in one_error_line(err)


def test_a_streamed_request_that_times_out_is_cancelled_at_the_server(fake, capsys, tmp_path):
    fake.piece, fake.piece_delay = 5, 0.05
    fake.start()
    code, err, _, _ = bench_run(capsys, tmp_path, fake, "timeout=0.5", "retries=0", limit=1)
    assert code == 2
    deadline = time.monotonic() + 5
    while fake.disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.disconnects == 1  # the server saw the client go and stopped


@pytest.mark.parametrize("case", ["too large", "nested response", "nested answer"])
def test_bounded_answers_and_only_well_formed_ones_are_cached(case, fake, capsys, tmp_path):
    if case == "too large":
        fake.huge = 17 * 1024 * 1024
    elif case == "nested answer":
        fake.answers = {DOC_IDS[0]: '{"claims": ' + "[" * 100000 + "]" * 100000 + "}"}
    elif case == "nested response":  # the completion itself nested 100,000 deep
        fake.raw = ('{"choices": ' + "[" * 100000 + "]" * 100000 + "}").encode()
    fake.start()
    code, err, results, _ = bench_run(capsys, tmp_path, fake, "stream=false", limit=1, extra=("--on-error", "skip"))
    assert code in (0, 1) and "Traceback" not in err and "RecursionError" not in err
    if case == "nested answer":  # a well-formed completion whose content is unusable: the model's answer
        assert results["provenance"]["unusable"][0]["reason"] == "JSON nested deeper than 32 levels"
        return
    expected = "larger than 16 MiB" if case == "too large" else "nested deeper than 32 levels"
    assert expected in results["failures"][0]["error"]
    with sqlite3.connect(tmp_path / "cache.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM completions").fetchone() == (0,)
    fake.chat.clear()
    bench_run(capsys, tmp_path, fake, "stream=false", limit=1, extra=("--on-error", "skip"))
    assert len(fake.chat) == 1  # asked again: the failure was not kept


def test_no_credential_is_ever_written_or_printed(fake, capsys, tmp_path, monkeypatch):
    """User-info and a token in base_url, a key the server echoes in its answer and its errors."""
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    fake.require_key = SECRET
    claim = dict(CLAIMS[DOC_IDS[0]][0])
    claim["text"] += f" {SECRET}"
    fake.answers = {DOC_IDS[0]: json.dumps({"claims": [claim, *CLAIMS[DOC_IDS[0]][1:]]})}
    fake.start()
    url = f"http://alice:pa55word-XYZ@127.0.0.1:{fake.port}/v1?api_key=qtoken-789&region=eu"
    code, err, results, folder = bench_run(capsys, tmp_path, url, limit=2)
    assert code == 0, err
    assert all(r["path"].endswith("?api_key=qtoken-789&region=eu") for r in fake.chat)  # the query is kept
    assert results["provenance"]["base_url"] == f"http://***@127.0.0.1:{fake.port}/v1?api_key=***&region=eu"
    assert results["provenance"]["masked_credentials"] == 1
    assert "the answer held a credential in use; it was masked" in err
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    for secret in (SECRET, "pa55word-XYZ", "qtoken-789"):
        assert secret not in err
        for path in written:
            assert secret.encode() not in path.read_bytes(), (secret, path)
    # a server that echoes the key in an error, through a URL with user-info: the message has neither
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-key-the-server-echoes")
    code, err, _, _ = bench_run(capsys, tmp_path, url, limit=1, out="runs2")
    assert code == 2 and "rejected the API key" in one_error_line(err)
    assert "sk-wrong-key" not in err and "pa55word" not in err and "qtoken" not in err


def test_a_document_that_is_a_few_shot_example_is_refused(fake, capsys, tmp_path):
    from bench.corpus.paths import CORPORA

    fake.start()
    gold, docs = CORPORA["dev-train"]
    code, err, _, _ = bench_run(capsys, tmp_path, fake, extra=("--gold", str(gold), "--docs", str(docs),
                                                               "--on-error", "skip"))
    assert code == 2 and "is one of the few-shot examples" in one_error_line(err)


def test_examples_from_a_file_of_the_users(fake, capsys, tmp_path):
    shots = tmp_path / "shots.jsonl"
    text = "The council said on Monday that 40 houses were flooded.\n\nIt will meet again in May."
    start = text.index("40 houses")
    shots.write_text(json.dumps({"doc_id": "mine", "claims": [
        {"id": "c1", "start": start, "end": start + 22, "text": "40 houses were flooded", "type": "quantity",
         "claimant": "the council", "attribution": "indirect"}]}) + "\n")
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"doc_id": "mine", "text": text}) + "\n")
    fake.start()
    code, err, results, _ = bench_run(capsys, tmp_path, fake, f"shots_from={shots}", f"shots_docs={docs}", "shots=1",
                                      limit=1)
    assert code == 0, err
    messages = fake.chat[0]["body"]["messages"]
    assert text in messages[1]["content"]
    assert json.loads(messages[2]["content"])["claims"][0]["text"] == "40 houses were flooded"
    assert results["provenance"]["shot_documents"] == ["mine"]
    code, err, _, _ = bench_run(capsys, tmp_path, fake, f"shots_from={shots}", "shots=1", limit=1)
    assert code == 2 and "needs its documents" in err
    code, err, _, _ = bench_run(capsys, tmp_path, fake, f"shots_from={shots}", f"shots_docs={docs}", "shots=2",
                                limit=1)
    assert code == 2 and "has only 1 article" in err


def test_offline_answers_come_from_the_cache_with_a_warning(fake, capsys, tmp_path):
    fake.start()
    code, err, first, _ = bench_run(capsys, tmp_path, fake, limit=2)
    assert code == 0, err
    url = fake.url
    fake.stop()
    code, err, again, _ = bench_run(capsys, tmp_path, url, limit=2)
    assert code == 0, err
    assert again["signature"] == first["signature"] and again["scores"] == first["scores"]
    assert any("cannot be reached" in w for w in again["warnings"])
    code, err, _, _ = bench_run(capsys, tmp_path, url, limit=3)  # the third is not in the cache
    assert code == 2 and "the cache has no answer" in err
    assert MODEL in first["provenance"]["server_model"]
