"""The ``openai`` model against a real OpenAI-compatible HTTP server on 127.0.0.1 (no internet).

The server (``FakeLLM``) speaks ``/v1/chat/completions`` and ``/v1/models`` and answers each
article with its gold claims as free text, unless a test scripts failures or bad answers.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import GOLD, ROOT, SEEDS

from bench.records import Document
from bench.cli import main

MODEL = "fake-model"
SERVED_AS = "fake-model-q4"
SECRET = "sk-test-0123456789-DO-NOT-LEAK"


def _gold():
    docs, claims = {}, {}
    for path in sorted(SEEDS.glob("*.txt")):
        docs[path.stem] = path.read_text(encoding="utf-8")
        gold = json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))
        claims[path.stem] = [{k: c[k] for k in ("text", "type", "claimant", "attribution")} for c in gold["claims"]]
    return docs, claims


DOCS, CLAIMS = _gold()
DOC_IDS = sorted(DOCS)


class FakeLLM:
    """An OpenAI-compatible server; tests change its behaviour through its attributes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.chat = []  # every chat request: {"headers", "body", "doc_id", "at"}
        self.other = []  # every other request path
        self.script = []  # per chat request, in order: ("status", code, headers) or ("sleep", seconds)
        self.answers = {}  # doc_id -> the content to answer with instead of the gold
        self.reject_format = False
        self.fail_docs = {}  # doc_id -> HTTP status to answer it with
        self.fail_when_asked = 0  # a failing answer waits until this many chat requests have come in
        self.asked = threading.Condition(self.lock)
        self.fenced = False
        self.require_key = None
        self.models = [MODEL]
        self.stop_after = None  # answer this many requests, then go away
        self.delay = 0.0  # seconds each answer takes
        self.answered = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.leaks = []
        self.httpd = None
        self.port = 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, port=0):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.other.append(self.path)
                if self.path.rstrip("/") == "/v1/models":
                    listed = [{"id": m, "object": "model"} for m in fake.models]
                    return self._json(200, {"object": "list", "data": listed})
                return self._json(404, {"error": {"message": "not found"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                if self.path != "/v1/chat/completions":
                    fake.other.append(self.path)
                    return self._json(404, {"error": {"message": "not found"}})
                with fake.lock:
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    return fake.respond(self, body)
                finally:
                    with fake.lock:
                        fake.in_flight -= 1

            def _json(self, status, payload, headers=()):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in dict(headers).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that gave up (a timeout test) is not an error here

        self.httpd = Server(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def respond(self, handler, body):
        messages = body["messages"]
        last = messages[-1]["content"]
        doc_id = next((d for d in DOC_IDS if DOCS[d] in last), None)
        with self.lock:
            self.chat.append({"headers": {k.lower(): v for k, v in handler.headers.items()}, "body": body,
                              "doc_id": doc_id, "at": time.monotonic()})
            action = self.script.pop(0) if self.script else None
            self.asked.notify_all()
        if self.require_key is not None and handler.headers.get("Authorization") != f"Bearer {self.require_key}":
            sent = handler.headers.get("Authorization", "")
            return handler._json(401, {"error": {"message": f"Incorrect API key provided: {sent}"}})
        if body["model"] not in self.models:
            return handler._json(404, {"error": {"message": f"The model `{body['model']}` does not exist."}})
        if doc_id in self.fail_docs:
            with self.asked:
                self.asked.wait_for(lambda: len(self.chat) >= self.fail_when_asked, timeout=10)
            return handler._json(self.fail_docs[doc_id], {"error": {"message": "forbidden"}})
        if action and action[0] == "status":
            return handler._json(action[1], {"error": {"message": "try again later"}}, action[2])
        if action and action[0] == "sleep":
            time.sleep(action[1])
        time.sleep(self.delay)
        if self.reject_format and "response_format" in body:
            return handler._json(400, {"error": {"message": "response_format is not supported"}})
        for message in messages[:-1]:
            if doc_id is not None and DOCS[doc_id] in message["content"]:
                self.leaks.append(doc_id)
        content = self.answers.get(doc_id)
        if content is None:
            content = json.dumps({"claims": CLAIMS.get(doc_id, [])}, ensure_ascii=False)
            if self.fenced:
                content = f"Here are the claims:\n```json\n{content}\n```"
        payload = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": SERVED_AS,
                   "system_fingerprint": "fp_test",
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": content}}],
                   "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}}
        with self.lock:
            self.answered += 1
            going = self.stop_after is not None and self.answered >= self.stop_after
        if going:  # stop listening before this last answer leaves, so the next request finds no server
            self.httpd.shutdown()
            self.httpd.server_close()
        return handler._json(200, payload)


@pytest.fixture
def fake():
    server = FakeLLM().start()
    yield server
    server.stop()


def _join_runner_threads():
    """Wait for the runner's worker threads (``bench.protocol._threaded``), which go on after a failed run.

    The runner wraps each call in ``contextlib.redirect_stdout``, which is process-wide: a worker
    that ends after the test would set ``sys.stdout`` back to a stream of a test that is over.
    """
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.name.endswith("(work)"):
            thread.join(5)


def bench_run(capsys, tmp_path, fake_or_url, *args, limit=None, out="runs", cache="cache.sqlite"):
    """``bench run --model openai`` against the server; (exit code, stderr, results.json or None, run folder)."""
    url = fake_or_url if isinstance(fake_or_url, str) else fake_or_url.url
    out_dir = tmp_path / out
    before = set(out_dir.iterdir()) if out_dir.exists() else set()
    argv = ["run", "--model", "openai", "--model-arg", f"base_url={url}", "--model-arg", f"model={MODEL}",
            "--model-arg", f"cache={tmp_path / cache}", "--model-arg", "backoff=0.01",
            *[x for a in args for x in ("--model-arg", a)],
            "--out", str(out_dir), "--quiet", "--bootstrap", "0", "--format", "json"]
    if limit is not None:
        argv += ["--limit", str(limit)]
    code = main(argv)
    _join_runner_threads()
    captured = capsys.readouterr()
    found = out_dir.iterdir() if out_dir.exists() else []
    new = sorted(p for p in found if p not in before and not p.name.startswith("."))
    finished = [p for p in new if not p.name.endswith(".partial")]
    if code != 0:
        assert finished == []  # a failed run leaves only its partial run, to be resumed
        return code, captured.err, None, None
    (folder,) = finished
    return code, captured.err, json.loads((folder / "results.json").read_text()), folder


def lenient(results):
    return results["scores"]["lenient"]


def micro(results):
    return results["scores"]["lenient"]["micro"]


def one_error_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith('bench: error: model "openai"'), err
    return lines[0]


# ---------------------------------------------------------------- runs through the CLI

def test_correct_answers_are_scored_and_a_rerun_sends_nothing(fake, capsys, tmp_path):
    fake.delay = 0.05
    code, err, results, folder = bench_run(capsys, tmp_path, fake, "concurrency=3", "shots=2")
    assert code == 0, err
    assert "bench: warning" not in err
    # every document asked once, in parallel but never more than `concurrency` at once
    assert sorted(r["doc_id"] for r in fake.chat) == DOC_IDS
    assert 2 <= fake.max_in_flight <= 3
    # few-shot examples are other documents' gold; the document comes last; the schema is sent
    assert fake.leaks == []
    for request in fake.chat:
        body = request["body"]
        assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user", "assistant", "user"]
        assert DOCS[request["doc_id"]] in body["messages"][-1]["content"]
        assert body["response_format"]["type"] == "json_schema"
        assert (body["model"], body["temperature"], body["seed"], body["max_tokens"]) == (MODEL, 0.0, 0, 4096)
        assert "authorization" not in request["headers"]  # no key set: none sent
    # the gold, given back as free text, is placed exactly and scores 1
    assert results["inputs"]["protocol"] == "leave-one-document-out"
    assert results["coverage"]["predicted"] == 5
    assert micro(results)["f1"] == 1.0
    rows = [json.loads(line) for line in (folder / "alignment.jsonl").read_text().splitlines()]
    assert len(rows) == sum(len(c) for c in CLAIMS.values()) == micro(results)["tp"]
    assert {row["method"] for row in rows} == {"exact"}
    usage = results["usage"]
    assert set(usage) == {"requests", "cache_hits", "prompt_tokens", "completion_tokens", "wall_s"}
    assert (usage["requests"], usage["cache_hits"], usage["prompt_tokens"], usage["completion_tokens"]) == \
        (5, 0, 500, 50)
    assert usage["wall_s"] > 0
    provenance = results["provenance"]
    assert provenance["server_model"] == SERVED_AS
    assert provenance["system_fingerprint"] == "fp_test"
    assert provenance["unusable_answers"] == 0
    assert provenance["request"]["temperature"] == 0.0 and provenance["request"]["seed"] == 0
    assert provenance["request"]["max_tokens"] == 4096 and provenance["request"]["model"] == MODEL
    assert len(provenance["prompt_sha256"]) == 64
    assert results["system"]["args"]["prompt_sha256"] == provenance["prompt_sha256"]  # in the signature

    # the same command again: no request at all, the same numbers and signature
    fake.chat.clear()
    code, err, again, _ = bench_run(capsys, tmp_path, fake, "concurrency=3", "shots=2")
    assert code == 0, err
    assert fake.chat == [] and fake.other == []
    assert (again["usage"]["requests"], again["usage"]["cache_hits"], again["usage"]["prompt_tokens"]) == (0, 5, 0)
    assert again["provenance"]["cached_tokens"]["prompt_tokens"] == 500
    assert again["provenance"]["server_model"] == SERVED_AS
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


def test_429_5xx_and_timeouts_are_retried_with_backoff(fake, capsys, tmp_path):
    fake.script = [("status", 429, {"Retry-After": "0.2"}), ("status", 503, {}), ("sleep", 0.4)]
    code, err, results, _ = bench_run(capsys, tmp_path, fake, "timeout=0.15", "concurrency=1", limit=1)
    assert code == 0, err
    assert len(fake.chat) == 4
    assert fake.chat[1]["at"] - fake.chat[0]["at"] >= 0.2  # Retry-After honoured
    assert results["usage"]["requests"] == 4 and results["provenance"]["retried"] == 3
    assert micro(results)["f1"] == 1.0


def test_unusable_answers_are_counted_warned_and_score_as_missed(fake, capsys, tmp_path):
    good = json.dumps({"claims": CLAIMS[DOC_IDS[3]]})
    fake.answers = {
        DOC_IDS[0]: "Sorry, I cannot help with that.",
        DOC_IDS[1]: json.dumps({"claims": [{"text": "x", "type": "opinion", "claimant": "a",
                                            "attribution": "author"}]}),
        DOC_IDS[2]: json.dumps({"claims": [{"type": "event", "claimant": "author", "attribution": "author"}]}),
        DOC_IDS[3]: f"<think>the article is about...</think>\n```json\n{good}\n```",
    }
    code, err, results, _ = bench_run(capsys, tmp_path, fake, limit=4)
    assert code == 0, err
    warning = [line for line in err.splitlines() if line.startswith("bench: warning:") and "unusable" in line]
    assert len(warning) == 1 and "3 of 4 answers" in warning[0]
    assert any("unusable" in w for w in results["warnings"])
    provenance = results["provenance"]
    assert provenance["unusable_answers"] == 3
    reasons = {u["doc_id"]: u["reason"] for u in provenance["unusable"]}
    assert reasons[DOC_IDS[0]] == "not JSON"
    assert 'unknown type "opinion"' in reasons[DOC_IDS[1]]
    assert 'missing "text"' in reasons[DOC_IDS[2]]
    assert results["coverage"]["predicted"] == 1
    scores = micro(results)
    assert (scores["tp"], scores["fp"]) == (len(CLAIMS[DOC_IDS[3]]), 0)
    assert scores["fn"] == sum(len(CLAIMS[d]) for d in DOC_IDS[:3])


def test_a_server_that_rejects_response_format_is_asked_in_plain_text(fake, capsys, tmp_path):
    fake.reject_format, fake.fenced = True, True
    code, err, results, _ = bench_run(capsys, tmp_path, fake, limit=2)
    assert code == 0, err
    assert len(fake.chat) == 4
    assert ["response_format" in r["body"] for r in fake.chat].count(False) == 2
    assert micro(results)["f1"] == 1.0
    assert results["provenance"]["answers"] == {"json_schema": 0, "plain_text": 2}
    fake.chat.clear()
    code, err, again, _ = bench_run(capsys, tmp_path, fake, limit=2)
    assert code == 0 and fake.chat == [] and again["usage"]["cache_hits"] == 2, err


def test_an_interrupted_run_resumes_where_it_stopped(fake, capsys, tmp_path):
    fake.stop_after = 2  # two answers, then the server goes away
    code, err, _, _ = bench_run(capsys, tmp_path, fake, "concurrency=1")
    assert code == 2
    assert "cannot reach the server" in one_error_line(err)
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
    code, err, _, _ = bench_run(capsys, tmp_path, fake, "concurrency=2")
    assert code == 2 and "HTTP 403" in one_error_line(err)
    # the runner's other worker went on with the queue (bench_run waited for it): its models failed at once
    assert sorted(r["doc_id"] for r in fake.chat) == DOC_IDS[:2]


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
        fake.script = [("status", 500, {})] * 10  # shared by both documents
        args, expected = ["retries=2"], "kept failing: HTTP 500"
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


# ---------------------------------------------------------------- the model without the CLI

def test_arguments_defaults_and_cache_location(tmp_path, monkeypatch):
    import inspect

    from bench.baselines import llm
    from bench.protocol import parse_model_args

    cls = llm.OpenAIModel
    for name, param in inspect.signature(cls).parameters.items():  # every argument documented with its default
        assert f"``{name}: {type(param.default).__name__} = {param.default!r}``".replace("'", '"') in llm.__doc__
    assert parse_model_args(cls, ["temperature=0.5", "concurrency=2", "timeout=30", "shots=0"]) == \
        {"temperature": 0.5, "concurrency": 2, "timeout": 30.0, "shots": 0}
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    model = cls(base_url="http://127.0.0.1:1/v1/", model="m", concurrency=3)
    assert model.workers == 3 and model.settings.base_url == "http://127.0.0.1:1/v1"
    assert model.settings.cache == str(tmp_path / "xdg" / "claimbench" / "llm-cache.sqlite")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cls(base_url="http://h/v1", model="m").settings.cache == \
        str(tmp_path / "home" / ".cache" / "claimbench" / "llm-cache.sqlite")
    assert not (tmp_path / "xdg").exists()  # nothing is created before the model predicts
    assert cls.is_trainable() and cls.tasks == ("claims",)
    assert model.fingerprint()["prompt_sha256"] == llm.hashlib.sha256(llm.PROMPT_FILE.read_bytes()).hexdigest()


def test_few_shot_examples_are_the_training_documents_only():
    from bench.baselines.llm import OpenAIModel
    from bench.records import Claim

    docs = [Document(d, DOCS[d]) for d in DOC_IDS]
    gold = {d: [Claim(doc_id=d, start=0, end=3, text=DOCS[d][:3], type="event", claimant="author",
                      attribution="author")] for d in DOC_IDS}
    model = OpenAIModel(base_url="http://h/v1", model="m", shots=2)
    model.fit(docs[1:], {d: gold[d] for d in DOC_IDS[1:]})
    messages = model.messages(docs[0])
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert DOCS[DOC_IDS[1]] in messages[1]["content"] and DOCS[DOC_IDS[2]] in messages[3]["content"]
    assert json.loads(messages[2]["content"]) == {"claims": [{"text": DOCS[DOC_IDS[1]][:3], "type": "event",
                                                             "claimant": "author", "attribution": "author"}]}
    assert DOCS[DOC_IDS[0]] in messages[-1]["content"]
    assert all(DOCS[DOC_IDS[0]] not in m["content"] for m in messages[:-1])
    model.fit(docs, gold)  # even when handed its own document, a document is never its own example
    assert all(DOCS[DOC_IDS[0]] not in m["content"] for m in model.messages(docs[0])[:-1])


def test_reading_answers():
    from bench.baselines.llm import claims_of, find_json_object

    claim = {"text": "t", "type": "event", "claimant": "author", "attribution": "author"}
    answer = json.dumps({"claims": [claim]})
    for reply in (answer, f"```json\n{answer}\n```", f"Sure! {answer} Hope this helps.", f"<think>{{</think>{answer}"):
        assert claims_of(find_json_object(reply)) == [claim]
    with pytest.raises(ValueError):
        find_json_object("no object here [1, 2]")
    for bad, why in [({"claim": []}, 'no "claims"'), ({"claims": {}}, "not a list"),
                     ({"claims": ["x"]}, "not an object"),
                     ({"claims": [claim | {"attribution": "quoted"}]}, "unknown attribution"),
                     ({"claims": [claim | {"claimant": None}]}, '"claimant" is not a string'),
                     ({"claims": [claim | {"text": "\ud800"}]}, '"text" is not a string'),
                     ({"claims": [claim | {"text": "  "}]}, 'empty "text"')]:
        with pytest.raises(ValueError, match=why):
            claims_of(bad)


def test_other_models_do_not_import_openai():
    code = ("import sys; from bench.registry import resolve; resolve('rules'); resolve('openai'); "
            "print('openai' in sys.modules, 'sqlite3' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
