"""The ``openai`` model's parts alone: reading answers, what servers say, bounded HTTP, the prompt."""

import json
import socket
import threading
import time

import pytest

from bench.baselines.llm_answer import TooDeep, check_depth, claims_of, find_json_object, loads, read_answer
from bench.baselines.llm_http import Call, Cancelled, Endpoint, Lost, Refused, TooLarge
from bench.baselines.llm_prompt import Shots, choose, estimate_tokens, excerpt, load_shots
from bench.baselines.llm_server import (Incomplete, StreamError, completion_of, context_numbers, discover, error_of,
                                        is_context_error, names_format)
from bench.records import Claim, Corpus, Document

CLAIM = {"text": "t", "type": "event", "claimant": "author", "attribution": "author"}


# ---------------------------------------------------------------- answers

def test_the_json_object_is_found_in_prose_fences_and_thoughts():
    answer = json.dumps({"claims": [CLAIM]})
    for reply in (answer, f"```json\n{answer}\n```", f"Sure! {answer} Hope this helps.", f"<think>{{</think>{answer}",
                  f'Example: {{"a": 1}} and the answer: {answer}'):
        assert claims_of(find_json_object(reply)).claims == [CLAIM]
    with pytest.raises(ValueError):
        find_json_object("no object here [1, 2]")


def test_malformed_items_are_dropped_and_the_rest_kept():
    items = [CLAIM, "x", CLAIM | {"type": "opinion"}, {"type": "event"}, CLAIM | {"text": "  "},
             CLAIM | {"attribution": "quoted"}, CLAIM | {"claimant": 3}, CLAIM | {"text": "\ud800"},
             {"text": "no claimant", "type": "quantity"}, CLAIM | {"claimant": None, "attribution": None}]
    found = claims_of({"claims": items})
    assert found.problem is None
    assert found.dropped == [(2, "not an object"), (3, 'unknown type "opinion"'), (4, 'missing "text"'),
                             (5, 'empty "text"'), (6, 'unknown attribution "quoted"'),
                             (7, '"claimant" is not a string'), (8, '"text" is not a string')]
    assert found.claims == [CLAIM, {"text": "no claimant", "type": "quantity", "claimant": None, "attribution": None},
                            {"text": "t", "type": "event", "claimant": None, "attribution": None}]
    assert claims_of({"claim": []}).problem == 'no "claims" field'
    assert claims_of({"claims": {}}).problem == '"claims" is not a list'


def _completion(content, finish="stop"):
    return {"choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": content}}]}


def test_a_cut_off_answer_keeps_the_claims_it_completed():
    whole = json.dumps({"claims": [CLAIM, CLAIM | {"text": "second"}, CLAIM | {"text": "third"}]})
    cut = whole[:whole.index('"third"') + 3]
    found = read_answer(_completion(cut, "length"))
    assert found.truncated and found.problem is None
    assert [c["text"] for c in found.claims] == ["t", "second"]
    assert read_answer(_completion('{"clai', "length")).problem == "cut off before any claim"
    stopped = read_answer(_completion(cut))  # stopped of itself mid-way: the complete items kept, the break recorded
    assert not stopped.truncated and [c["text"] for c in stopped.claims] == ["t", "second"]
    assert stopped.dropped == [(3, "the answer breaks off here (incomplete JSON)")]
    assert read_answer(_completion("Sorry, no.")).problem == "not JSON"
    assert read_answer(_completion('{"answer": 1}')).problem == 'no "claims" field'
    assert read_answer(_completion("")).problem == "empty answer"
    assert read_answer({"choices": []}).problem == "the response has no message"


def test_nesting_is_bounded_before_decoding():
    deep = "[" * 100_000 + "]" * 100_000
    for call in (lambda: loads(deep), lambda: find_json_object('{"claims": ' + deep + "}"),
                 lambda: check_depth("{" * 33)):
        with pytest.raises(TooDeep):
            call()
    check_depth('{"a": "' + "[" * 1000 + '"}')  # brackets inside strings do not count
    assert read_answer(_completion('{"claims": ' + deep + "}")).problem == "JSON nested deeper than 32 levels"


# ---------------------------------------------------------------- what servers say

def _sse(*events, done=True):
    lines = [f"data: {json.dumps(e)}\n\n" for e in events] + (["data: [DONE]\n\n"] if done else [])
    return "".join(lines).encode()


def test_a_streamed_answer_is_assembled_into_one_completion():
    head = {"id": "c1", "model": "m", "system_fingerprint": "fp"}
    body = _sse(head | {"choices": [{"index": 0, "delta": {"role": "assistant"}}]},
                head | {"choices": [{"index": 0, "delta": {"content": '{"claims": '}}]},
                head | {"choices": [{"index": 0, "delta": {"content": "[]}"}, "finish_reason": "stop"}]},
                head | {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3}})
    found = completion_of(body, streamed=True)
    assert found["choices"][0]["message"]["content"] == '{"claims": []}'
    assert found["choices"][0]["finish_reason"] == "stop" and found["usage"]["prompt_tokens"] == 7
    assert found["model"] == "m" and found["system_fingerprint"] == "fp"
    with pytest.raises(Incomplete):
        completion_of(_sse(head | {"choices": [{"index": 0, "delta": {"content": "{"}}]}, done=False), True)
    with pytest.raises(StreamError):
        completion_of(_sse({"error": {"message": "boom", "code": 500}}), True)
    with pytest.raises(ValueError):
        completion_of(b'{"object": "list"}', False)


@pytest.mark.parametrize("body, context, prompt", [
    ({"error": {"code": 400, "message": "the request exceeds the available context size. try increasing the context "
                "size", "type": "exceed_context_size_error", "n_prompt_tokens": 9000, "n_ctx": 8192}}, 8192, 9000),
    ({"object": "error", "message": "This model's maximum context length is 8192 tokens. However, you requested 9000 "
      "tokens (4904 in the messages, 4096 in the completion).", "type": "BadRequestError", "code": 400}, 8192, 4904),
    ({"error": {"message": "This model's maximum context length is 2048 tokens. However, you requested 2285 tokens "
                "(2275 in the messages, 10 in the completion).", "code": "context_length_exceeded"}}, 2048, 2275),
])
def test_context_errors_of_llama_server_vllm_and_llama_cpp_python(body, context, prompt):
    message, error = error_of(json.dumps(body).encode())
    assert is_context_error(message, error) and context_numbers(message, error) == (context, prompt)
    assert not names_format(message)


def test_error_bodies_and_format_refusals():
    fastapi = {"detail": [{"loc": ["body", "response_format", "type"], "msg": "Input should be 'json_object'"}]}
    message, _ = error_of(json.dumps(fastapi).encode())
    assert names_format(message) and not is_context_error(message, {})
    assert error_of(b"plain text failure") == ("plain text failure", {})
    assert not is_context_error("try again later", {})


def _scripted(answers):
    asked = []

    def get(path, root=False, post=None):
        asked.append((path, root))
        return answers.get(path, (404, None))

    return get, asked


def test_what_each_kind_of_server_says_about_itself():
    llama = {"/models": (200, {"data": [{"id": "a.gguf", "owned_by": "llamacpp", "created": 1,
                                         "meta": {"n_params": 135}}]}),
             "/props": (200, {"total_slots": 2, "default_generation_settings": {"n_ctx": 4096},
                              "model_path": "/m/a.gguf"})}
    server = discover(_scripted(llama)[0], "whatever")
    assert (server.kind, server.slots, server.context, server.name) == ("llama.cpp", 2, 4096, "a.gguf")
    assert server.identity == {"id": "a.gguf", "meta": {"n_params": 135}, "path": "/m/a.gguf", "n_ctx": 4096}
    llama["/models"][1]["data"][0]["created"] = 2  # a timestamp is not the model
    assert discover(_scripted(llama)[0], "whatever").served == server.served

    vllm = {"/models": (200, {"data": [{"id": "Qwen/Q", "owned_by": "vllm", "root": "Qwen/Q", "max_model_len": 32768},
                                       {"id": "lora", "owned_by": "vllm", "parent": "Qwen/Q"}]})}
    get, asked = _scripted(vllm)
    server = discover(get, "Qwen/Q")
    assert (server.kind, server.context, server.slots) == ("vllm", 32768, None) and asked == [("/models", False)]
    assert discover(_scripted(vllm)[0], "missing").identity == {}  # several listed, none of that name

    ollama = {"/models": (200, {"data": [{"id": "qwen2.5:7b", "owned_by": "library"}]}),
              "/api/version": (200, {"version": "0.6.0"}),
              "/api/tags": (200, {"models": [{"name": "qwen2.5:7b", "digest": "abc123"}]}),
              "/api/show": (200, {"parameters": "temperature 0.7\nnum_ctx 16384"})}
    server = discover(_scripted(ollama)[0], "qwen2.5:7b")
    assert (server.kind, server.context, server.identity["digest"]) == ("ollama", 16384, "abc123")

    server = discover(_scripted({})[0], "m")
    assert server.listed is None and server.identity == {"label": "m"} and server.notes


# ---------------------------------------------------------------- bounded HTTP

def test_a_base_url_is_taken_apart_with_its_secrets():
    endpoint = Endpoint.parse("https://bob:s3cret-pass@api.example.com:8443/v1?api_key=tok123456&region=eu")
    assert (endpoint.scheme, endpoint.host, endpoint.port, endpoint.prefix) == ("https", "api.example.com", 8443, "/v1")
    assert endpoint.shown == "https://***@api.example.com:8443/v1?api_key=***&region=eu"
    assert {"s3cret-pass", "tok123456"} <= set(endpoint.secrets) and "bob" not in endpoint.secrets
    assert endpoint.auth.startswith("Basic ")
    assert endpoint.target("/chat/completions") == "/v1/chat/completions?api_key=tok123456&region=eu"
    short = Endpoint.parse("http://bob:pw@h/v1?token=abc")  # too short to be searched for; never shown
    assert short.shown == "http://***@h/v1?token=***" and "pw" not in short.secrets
    assert Endpoint.parse("http://localhost:8080/v1/").target("/props", root=True) == "/props"
    assert Endpoint.parse("http://[::1]:8000/v1").loopback and not endpoint.loopback
    for bad in ("ftp://h/v1", "http:///v1", "localhost:8080", "http://h:99999/v1"):
        with pytest.raises(ValueError):
            Endpoint.parse(bad)


def _serve_once(respond):
    """A raw TCP server on 127.0.0.1 that answers one connection with ``respond(conn)``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def run():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            respond(conn)
        listener.close()

    threading.Thread(target=run, daemon=True).start()
    return Endpoint.parse(f"http://127.0.0.1:{listener.getsockname()[1]}/v1")


def test_bounded_requests_fail_by_kind():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(Refused):
        Call(Endpoint.parse(f"http://127.0.0.1:{closed}/v1"), 2).run("GET", "/v1/models")
    short = _serve_once(lambda c: c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}"))
    with pytest.raises(Lost):
        Call(short, 2).run("GET", "/v1/models")
    big = _serve_once(lambda c: c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b" " * 5000))
    with pytest.raises(TooLarge):
        Call(big, 2, max_bytes=1000).run("GET", "/v1/models")


def test_a_request_is_cancelled_at_once_from_another_thread():
    stalled = _serve_once(lambda c: time.sleep(3))
    call = Call(stalled, 30)
    threading.Timer(0.2, call.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        call.run("GET", "/v1/models")
    assert time.monotonic() - started < 2


# ---------------------------------------------------------------- the prompt

def _corpus():
    texts = {"a": "Para one has 40 dead.\n\nPara two says the mayor will resign.\n\nPara three.",
             "b": "The union refused to talk.\n\nMore.", "c": "Nothing here."}
    spans = {"a": [(12, 19, "quantity"), (40, 63, "prediction")], "b": [(4, 25, "position")], "c": []}
    gold = {d: [Claim(doc_id=d, id=f"c{k}", start=s, end=e, type=t, claimant="x", attribution="indirect")
                for k, (s, e, t) in enumerate(spans[d])] for d in texts}
    return Corpus(documents={d: Document(d, t) for d, t in texts.items()}, gold=gold)


def test_examples_are_cut_at_a_paragraph_and_keep_the_claims_inside():
    corpus = _corpus()
    text, claims = excerpt(corpus.documents["a"], corpus.gold["a"], limit=30)
    assert text == "Para one has 40 dead." and [c.type for c in claims] == ["quantity"]
    text, _ = excerpt(corpus.documents["a"], corpus.gold["a"], limit=5)
    assert text == "Para one has 40 dead."  # the first paragraph whole when it is longer than the limit


def test_examples_cover_the_most_types_and_never_an_evaluated_document():
    corpus = _corpus()
    chosen = choose(corpus, 2, limit=100)
    assert [s.doc_id for s in chosen] == ["a", "b"]  # "c" has no claim to show
    assert json.loads(chosen[1].answer)["claims"][0]["text"] == "The union refused to talk"[4:]
    shots = Shots(source="test", examples=tuple(chosen))
    assert shots.check(Document("a", "other text")) is not None  # by doc_id
    assert shots.check(Document("z", corpus.documents["b"].text)) is not None  # by text
    assert shots.check(Document("c", corpus.documents["c"].text)) is None
    assert load_shots(2, "", "").sha256 == load_shots(2, "dev-train", "").sha256  # the default, spelled out


def test_sizes_are_estimated_from_utf8_bytes():
    assert estimate_tokens("") == 0 and estimate_tokens("a" * 35) == 10 and estimate_tokens("é" * 35) == 20
