"""The ``openai`` model run through the CLI against a real OpenAI-compatible HTTP server on 127.0.0.1.

The server (``llm_fake.FakeLLM``) answers each article with its gold claims as free text,
unless a test scripts failures or other answers. How the model copes with each kind of real
server (llama.cpp, llama-cpp-python, vLLM, a restart, a small context) is in
``test_llm_servers.py``; the parts alone in ``test_llm_parts.py``.
"""

import json
import os
import socket
import subprocess
import sys
import threading

import pytest
from conftest import ROOT
from llm_fake import CLAIMS, DOC_IDS, DOCS, MODEL, SERVED_AS, FakeLLM

from bench.cli import main

SECRET = "sk-test-0123456789-DO-NOT-LEAK"


@pytest.fixture
def fake():
    server = FakeLLM().start()
    yield server
    server.stop()


def _join_runner_threads():
    """Wait for the runner's worker threads (``bench.protocol._threaded``), which go on after a failed run."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.name.endswith("(work)"):
            thread.join(5)


def bench_run(capsys, tmp_path, fake_or_url, *args, limit=None, out="runs", cache="cache.sqlite", extra=(),
              model=MODEL):
    """``bench run --model openai`` against the server; (exit code, stderr, results.json or None, run folder)."""
    url = fake_or_url if isinstance(fake_or_url, str) else fake_or_url.url
    out_dir = tmp_path / out
    before = set(out_dir.iterdir()) if out_dir.exists() else set()
    argv = ["run", "--model", "openai", "--model-arg", f"base_url={url}", "--model-arg", f"model={model}",
            "--model-arg", f"cache={tmp_path / cache}", "--model-arg", "backoff=0.01",
            *[x for a in args for x in ("--model-arg", a)],
            "--out", str(out_dir), "--quiet", "--bootstrap", "0", "--format", "json", *extra]
    if limit is not None:
        argv += ["--limit", str(limit)]
    code = main(argv)
    _join_runner_threads()
    captured = capsys.readouterr()
    found = out_dir.iterdir() if out_dir.exists() else []
    new = sorted(p for p in found if p not in before and not p.name.startswith("."))
    finished = [p for p in new if not p.name.endswith(".partial")]
    if code == 2:
        assert finished == []  # a failed run leaves only its partial run, to be resumed
        return code, captured.err, None, None
    (folder,) = finished
    return code, captured.err, json.loads((folder / "results.json").read_text()), folder


def micro(results):
    return results["scores"]["lenient"]["micro"]


def one_error_line(err):
    """The one ``bench: error:`` line a failed run ends with (retry and format lines may come before it)."""
    lines = err.strip().splitlines()
    errors = [line for line in lines if line.startswith("bench: error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], err
    assert errors[0].startswith('bench: error: model "openai"'), err
    assert all(line.startswith("bench: warning:") for line in lines[:-1]), err
    return errors[0]


# ---------------------------------------------------------------- runs through the CLI

def test_correct_answers_are_scored_and_a_rerun_sends_nothing(fake, capsys, tmp_path):
    fake.delay = 0.05
    code, err, results, folder = bench_run(capsys, tmp_path, fake, "concurrency=3", "shots=2")
    assert code == 0, err
    assert "bench: warning" not in err
    # every document asked once, in parallel but never more than `concurrency` at once
    assert sorted(r["doc_id"] for r in fake.chat) == DOC_IDS
    assert 2 <= fake.max_in_flight <= 3
    # two examples from the development corpus, never a seed article; the document comes last; the schema is sent
    for request in fake.chat:
        body = request["body"]
        messages = body["messages"]
        assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
        assert DOCS[request["doc_id"]] in messages[-1]["content"]
        assert not any(DOCS[d] in m["content"] for m in messages[:-1] for d in DOC_IDS)
        assert messages[1:5] == fake.chat[0]["body"]["messages"][1:5]  # the same examples for every document
        assert body["response_format"]["type"] == "json_schema"
        assert (body["model"], body["temperature"], body["seed"], body["max_tokens"]) == (MODEL, 0.0, 0, 4096)
        assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
        assert "authorization" not in request["headers"]  # no key set: none sent
    # the gold, given back as free text, is placed exactly and scores 1
    assert results["inputs"]["protocol"] == "none (untrained model)"
    assert results["coverage"]["predicted"] == 5
    assert micro(results)["f1"] == 1.0
    rows = [json.loads(line) for line in (folder / "alignment.jsonl").read_text().splitlines()]
    assert len(rows) == sum(len(c) for c in CLAIMS.values()) == micro(results)["tp"]
    assert {row["method"] for row in rows} == {"exact"}
    usage = results["usage"]
    assert set(usage) == {"requests", "cache_hits", "prompt_tokens", "completion_tokens", "wall_s"}
    assert (usage["requests"], usage["cache_hits"], usage["prompt_tokens"], usage["completion_tokens"]) == \
        (5, 0, sum(r["prompt_tokens"] for r in fake.chat), 50)
    assert usage["wall_s"] > 0
    provenance = results["provenance"]
    assert provenance["server_model"] == MODEL and provenance["echoed_model"] == SERVED_AS
    assert provenance["system_fingerprint"] == "fp_test"
    assert provenance["unusable_answers"] == 0 and provenance["dropped_claims"] == 0
    assert provenance["request"]["temperature"] == 0.0 and provenance["request"]["seed"] == 0
    assert provenance["request"]["max_tokens"] == 4096 and provenance["request"]["model"] == MODEL
    assert provenance["response_format"] == "json_schema" and provenance["answers"]["json_schema"] == 5
    assert provenance["shots_from"] == "dev-train" and len(provenance["shot_documents"]) == 2
    assert len(provenance["prompt_sha256"]) == 64
    signed = results["system"]["args"]
    assert signed["prompt_sha256"] == provenance["prompt_sha256"]  # in the signature
    assert signed["shots_sha256"] == provenance["shots_sha256"] and signed["served"] == provenance["server"]["served"]

    # the same command again: no chat request (only the questions about what the server serves), the same run
    fake.chat.clear()
    fake.other.clear()
    code, err, again, _ = bench_run(capsys, tmp_path, fake, "concurrency=3", "shots=2")
    assert code == 0, err
    assert fake.chat == [] and {method for method, _ in fake.other} == {"GET"}
    assert (again["usage"]["requests"], again["usage"]["cache_hits"], again["usage"]["prompt_tokens"]) == (0, 5, 0)
    assert again["provenance"]["cached_tokens"]["prompt_tokens"] == usage["prompt_tokens"]
    assert again["provenance"]["server_model"] == MODEL
    assert again["signature"] == results["signature"]
    assert again["scores"] == results["scores"]


def test_a_changed_parameter_model_or_prompt_is_asked_again(fake, capsys, tmp_path):
    fake.models = [MODEL, "other-model"]
    code, err, base, _ = bench_run(capsys, tmp_path, fake, "shots=0", limit=2)
    assert code == 0 and len(fake.chat) == 2, err

    def asked(*args):
        fake.chat.clear()
        code, err, results, _ = bench_run(capsys, tmp_path, fake, "shots=0", *args, limit=2)
        assert code == 0, err
        assert results["usage"]["requests"] == len(fake.chat)
        return results

    assert asked()["usage"]["requests"] == 0
    assert asked("temperature=0.5")["usage"]["requests"] == 2
    assert {r["body"]["temperature"] for r in fake.chat} == {0.5}
    assert asked("max_tokens=0")["usage"]["requests"] == 2
    assert all("max_tokens" not in r["body"] for r in fake.chat)
    assert asked("model=other-model")["usage"]["requests"] == 2
    assert asked("shots=1")["usage"]["requests"] == 2
    # how answers are fetched changes nothing: no request, the same signature
    same = asked("stream=false", "timeout=30", "concurrency=2", "retries=1")
    assert same["usage"]["requests"] == 0 and same["signature"] == base["signature"]

    prompt = tmp_path / "my_prompt.txt"
    prompt.write_text("Extract the claims as JSON, version 1.\n")
    first = asked(f"prompt={prompt}")
    assert first["usage"]["requests"] == 2
    assert {r["body"]["messages"][0]["content"] for r in fake.chat} == {prompt.read_text()}
    prompt.write_text("Extract the claims as JSON, version 2.\n")  # same path, new text
    second = asked(f"prompt={prompt}")
    assert second["usage"]["requests"] == 2
    assert first["provenance"]["prompt_sha256"] != second["provenance"]["prompt_sha256"]
    assert len({base["signature"], first["signature"], second["signature"]}) == 3


def test_spelling_out_a_default_changes_nothing(fake, capsys, tmp_path):
    code, err, base, _ = bench_run(capsys, tmp_path, fake, limit=1)
    assert code == 0, err
    fake.chat.clear()
    code, err, spelled, _ = bench_run(capsys, tmp_path, fake, "temperature=0", "seed=0", "max_tokens=4096",
                                      "response_format=auto", "shots=2", "shots_from=dev-train", limit=1)
    assert code == 0, err
    assert fake.chat == [] and spelled["signature"] == base["signature"]


def test_limit_never_changes_the_prompt(fake, capsys, tmp_path):
    code, err, _, _ = bench_run(capsys, tmp_path, fake, limit=2)
    assert code == 0, err
    limited = {r["doc_id"]: r["body"]["messages"] for r in fake.chat}
    fake.chat.clear()
    code, err, results, _ = bench_run(capsys, tmp_path, fake)
    assert code == 0, err
    assert sorted(r["doc_id"] for r in fake.chat) == DOC_IDS[2:]  # the first two came from the cache
    assert results["usage"]["cache_hits"] == 2
    assert all(r["body"]["messages"][:-1] == limited[DOC_IDS[0]][:-1] for r in fake.chat)


def test_429_5xx_and_timeouts_are_retried_with_one_line_each(fake, capsys, tmp_path):
    fake.script = [("status", 429, {"Retry-After": "0.2"}), ("status", 503, {}), ("sleep", 0.6)]
    code, err, results, _ = bench_run(capsys, tmp_path, fake, "timeout=0.3", limit=1)
    assert code == 0, err
    assert len(fake.chat) == 4
    assert fake.chat[1]["at"] - fake.chat[0]["at"] >= 0.2  # Retry-After honoured
    assert results["usage"]["requests"] == 4 and results["provenance"]["retried"] == 3
    lines = [line for line in err.splitlines() if "retrying" in line]
    assert len(lines) == 3 and all(f'document "{DOC_IDS[0]}"' in line for line in lines)
    assert [f"attempt {k} of 6" in line for k, line in enumerate(lines, 1)] == [True] * 3
    assert "HTTP 429" in lines[0] and "HTTP 503" in lines[1] and "no complete answer within 0.3 s" in lines[2]
    assert micro(results)["f1"] == 1.0


def test_a_request_that_runs_out_of_time_twice_fails_its_document(fake, capsys, tmp_path):
    fake.script = [("sleep", 0.6), ("sleep", 0.6)]
    code, err, _, _ = bench_run(capsys, tmp_path, fake, "timeout=0.3", limit=1)
    assert code == 2 and "no complete answer within 0.3 s, 2 times" in one_error_line(err)
    assert len(fake.chat) == 2


def test_malformed_claims_are_dropped_one_by_one_and_recorded(fake, capsys, tmp_path):
    good = CLAIMS[DOC_IDS[1]]
    fake.answers = {
        DOC_IDS[0]: "Sorry, I cannot help with that.",
        DOC_IDS[1]: json.dumps({"claims": [good[0], {"text": "x", "type": "opinion", "claimant": "a",
                                                     "attribution": "author"},
                                           {"type": "event", "claimant": "author", "attribution": "author"},
                                           *good[1:]]}),
        DOC_IDS[2]: "<think>the article is about...</think>\n```json\n"
                    f"{json.dumps({'claims': CLAIMS[DOC_IDS[2]]})}\n```",
    }
    code, err, results, _ = bench_run(capsys, tmp_path, fake, limit=3)
    assert code == 0, err
    provenance = results["provenance"]
    assert provenance["unusable"] == [{"doc_id": DOC_IDS[0], "reason": "not JSON"}]
    assert provenance["dropped_claims"] == 2
    assert provenance["dropped"] == [{"doc_id": DOC_IDS[1], "item": 2, "reason": 'unknown type "opinion"'},
                                     {"doc_id": DOC_IDS[1], "item": 3, "reason": 'missing "text"'}]
    warnings = [line for line in err.splitlines() if line.startswith("bench: warning:")]
    assert any("1 of 3 answers" in w for w in warnings) and any("2 malformed claim(s) in 1 answer(s)" in w
                                                                 for w in warnings)
    scores = micro(results)  # the valid claims of the flawed answer all count
    assert (scores["tp"], scores["fp"]) == (len(good) + len(CLAIMS[DOC_IDS[2]]), 0)
    assert scores["fn"] == len(CLAIMS[DOC_IDS[0]])


def test_an_interrupted_run_resumes_where_it_stopped(fake, capsys, tmp_path):
    fake.stop_after = 2  # two answers, then the server goes away for good
    code, err, _, _ = bench_run(capsys, tmp_path, fake, "retries=2", "concurrency=1")
    assert code == 2
    assert "went away and did not come back" in one_error_line(err)
    assert err.count("connection refused") == 3  # two retry lines and the error
    answered = [r["doc_id"] for r in fake.chat[:2]]

    restarted = FakeLLM().start(port=fake.port)
    try:
        code, err, results, _ = bench_run(capsys, tmp_path, restarted, "concurrency=1")
        assert code == 0, err
        assert sorted(r["doc_id"] for r in restarted.chat) == sorted(set(DOC_IDS) - set(answered))
        assert (results["usage"]["requests"], results["usage"]["cache_hits"]) == (3, 2)
        assert micro(results)["f1"] == 1.0
    finally:
        restarted.stop()


def test_after_a_fatal_error_the_other_threads_send_nothing_more(fake, capsys, tmp_path):
    # the failure is answered once both workers have asked, and the other answer takes long
    # enough for the failure to reach the runner first, whatever the machine's load
    fake.fail_docs, fake.fail_when_asked, fake.delay = {DOC_IDS[0]: 403}, 2, 0.5
    code, err, _, _ = bench_run(capsys, tmp_path, fake, "concurrency=2", "response_format=json_schema")
    assert code == 2 and "HTTP 403" in one_error_line(err)
    # the runner's other worker went on with the queue (bench_run waited for it): its requests failed at once
    assert sorted(r["doc_id"] for r in fake.chat) == DOC_IDS[:2]


def test_a_fatal_error_ends_the_run_even_when_failures_are_skipped(fake, capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    fake.require_key = SECRET
    code, err, _, _ = bench_run(capsys, tmp_path, fake, "concurrency=1", extra=("--on-error", "skip"))
    assert code == 2 and "no key was sent" in one_error_line(err)
    assert fake.chat == []  # found when the server was asked what it serves


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("case", ["unreachable", "unknown model", "no API at base_url", "rejected key",
                                  "missing key", "no base_url", "still failing", "Retry-After too long"])
def test_failures_end_the_run_with_one_line(case, fake, capsys, tmp_path, monkeypatch):
    url, args = fake, []
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    if case == "unreachable":
        url, expected = f"http://127.0.0.1:{_closed_port()}/v1", "cannot reach the server"
    elif case == "unknown model":
        args, expected = ["model=nope"], 'does not serve model "nope" (it serves: "fake-model")'
    elif case == "no API at base_url":
        url, expected = f"http://127.0.0.1:{fake.port}/api", "does base_url end in /v1?"
    elif case == "rejected key":
        fake.require_key = SECRET
        monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-key-that-the-server-echoes")
        expected = "rejected the API key (HTTP 401"
    elif case == "missing key":
        fake.require_key, expected = SECRET, "no key was sent: set $OPENAI_API_KEY"
    elif case == "no base_url":
        args, expected = ["base_url="], "needs the server: --model-arg base_url="
    elif case == "still failing":
        fake.script = [("status", 500, {})] * 20
        args, expected = ["retries=2", "response_format=json_schema"], "kept failing: HTTP 500"
    else:
        fake.script = [("status", 429, {"Retry-After": "120"})]
        args, expected = ["max_wait=5"], "asks to wait 120 s"
    code, err, _, _ = bench_run(capsys, tmp_path, url, *args, limit=2)
    assert code == 2
    line = one_error_line(err)
    assert expected in line
    assert "sk-wrong-key" not in err and SECRET not in err


def test_the_key_is_sent_but_never_written(fake, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("MY_LLM_KEY", SECRET)
    fake.require_key = SECRET
    code, err, results, folder = bench_run(capsys, tmp_path, fake, "api_key_env=MY_LLM_KEY", limit=2)
    assert code == 0, err
    assert {r["headers"]["authorization"] for r in fake.chat} == {f"Bearer {SECRET}"}
    assert results["provenance"]["api_key_sent"] is True
    assert SECRET not in err
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.parent == folder for p in written) and any(p.name.startswith("cache.sqlite") for p in written)
    for path in written:  # the run folder and the cache
        assert SECRET.encode() not in path.read_bytes(), path


def test_dry_run_prints_the_prompt_size_and_sends_nothing(fake, capsys, tmp_path):
    code = main(["run", "--model", "openai", "--model-arg", f"base_url={fake.url}", "--model-arg", f"model={MODEL}",
                 "--model-arg", f"cache={tmp_path / 'cache.sqlite'}", "--limit", "1", "--dry-run", "--format", "json",
                 "--out", str(tmp_path / "runs")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    (row,) = json.loads(captured.out)
    assert row["doc_id"] == DOC_IDS[0] and row["prompt"] == row["system"] + row["shots"] + row["article"]
    assert 1500 < row["system"] < 2500 and 800 < row["shots"] < 1600 and row["total"] == row["prompt"] + 4096
    assert fake.chat == [] and fake.other == []
    assert not (tmp_path / "runs").exists() and not (tmp_path / "cache.sqlite").exists()
    code = main(["run", "--model", "rules", "--dry-run"])
    assert code == 2 and "sends no requests" in capsys.readouterr().err


# ---------------------------------------------------------------- the model without the CLI

def test_arguments_defaults_and_cache_location(tmp_path, monkeypatch):
    import inspect

    from bench.baselines import llm
    from bench.protocol import parse_model_args

    cls = llm.OpenAIModel
    for name, param in inspect.signature(cls).parameters.items():  # every argument documented with its default
        assert f"``{name}: {type(param.default).__name__} = {param.default!r}``".replace("'", '"') in llm.__doc__
    assert parse_model_args(cls, ["temperature=0.5", "concurrency=2", "timeout=30", "shots=0", "stream=no"]) == \
        {"temperature": 0.5, "concurrency": 2, "timeout": 30.0, "shots": 0, "stream": False}
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    model = cls(base_url="http://127.0.0.1:1/v1/", model="m", concurrency=3)
    assert model.workers == 3 and model.settings.base_url == "http://127.0.0.1:1/v1"
    assert model.settings.cache == str(tmp_path / "xdg" / "claimbench" / "llm-cache.sqlite")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cls(base_url="http://h/v1", model="m").settings.cache == \
        str(tmp_path / "home" / ".cache" / "claimbench" / "llm-cache.sqlite")
    assert not (tmp_path / "xdg").exists()  # nothing is created before the model predicts
    assert not cls.is_trainable() and cls.tasks == ("claims",)
    for bad, why in [({"response_format": "yaml"}, "response_format"), ({"base_url": "ftp://h/v1"}, "http://"),
                     ({"concurrency": -1}, "concurrency"), ({"shots_from": str(tmp_path / "nowhere")}, "shots_from")]:
        with pytest.raises(Exception, match=why):
            cls(**({"base_url": "http://h/v1", "model": "m"} | bad))


def test_other_models_do_not_load_the_client():
    code = ("import sys; from bench.registry import resolve; resolve('rules'); resolve('openai'); "
            "print(*[m in sys.modules for m in ('openai', 'sqlite3', 'http.client', 'ssl')])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"] * 4
