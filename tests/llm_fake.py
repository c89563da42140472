"""A fake OpenAI-compatible LLM server on 127.0.0.1 for the ``openai`` model's tests (no internet).

``FakeLLM`` speaks ``/v1/chat/completions`` (whole or streamed as server-sent events) and
``/v1/models``, and, when told, what a kind of real server adds: llama.cpp's ``/props``,
vLLM's ``max_model_len``, llama-cpp-python's refusal of ``json_schema`` (HTTP 500), a single
slot that queues, a context that is too small, answers cut at ``max_tokens``. It answers each
article with its gold claims as free text, unless a test scripts failures or other answers.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import GOLD, SEEDS

MODEL = "fake-model"
SERVED_AS = "fake-model-q4"


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
        self.other = []  # every other request: (method, path)
        self.script = []  # per chat request, in order: ("status", code, headers, message) or ("sleep", seconds)
        self.answers = {}  # doc_id -> the content to answer with instead of the gold
        self.formats = {"json_schema", "json_object"}  # response_format types taken
        self.format_status = 400  # the answer to another type (llama-cpp-python: 500)
        self.fail_docs = {}  # doc_id -> HTTP status to answer it with
        self.fail_when_asked = 0  # a failing answer waits until this many chat requests have come in
        self.asked = threading.Condition(self.lock)
        self.fenced = False
        self.require_key = None
        self.models = [MODEL]  # what GET /v1/models lists
        self.strict_names = True  # a request for a model not listed gets 404 (llama.cpp: any name is its model)
        self.owned_by = "fake"
        self.entry_extra = {}  # more fields of each listed model (vLLM: max_model_len)
        self.props = None  # llama.cpp's GET /props, when set
        self.loading = 0  # answer this many model lists with 503 (llama.cpp while it loads its model)
        self.served_as = SERVED_AS  # the model name echoed in completions
        self.stop_after = None  # answer this many requests, then go away
        self.delay = 0.0  # seconds each answer takes once it has a slot
        self.slots = None  # requests computed at once; the others queue (llama.cpp)
        self.queued_for = []  # seconds each request waited for a slot
        self.context = None  # tokens a request may take: prompt (bytes / 4) + max_tokens; beyond, an error
        self.context_style = "vllm"  # or "llama.cpp"
        self.truncate = None  # cut every answer to this many characters, finish_reason "length"
        self.truncate_tokens = None  # the completion tokens a cut answer reports (default: its max_tokens)
        self.stream_usage = True  # a streamed answer ends with usage when asked for it
        self.stream_options = True  # stream_options taken (else HTTP 400 naming it)
        self.streams = True  # streams when asked (else answers whole)
        self.piece = 40  # characters per streamed event
        self.piece_delay = 0.0  # seconds between streamed events
        self.drip = None  # seconds between the bytes of a response
        self.huge = 0  # bytes of padding in each answer
        self.raw = None  # bytes to answer with (HTTP 200) instead of a completion
        self.disconnects = 0  # streamed answers whose client went away
        self.answered = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.leaks = []
        self.httpd = None
        self.port = 0
        self._slots = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, port=0):
        fake = self
        if self.slots is not None:
            self._slots = threading.Semaphore(self.slots)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.other.append(("GET", self.path))
                if fake.require_key is not None and self.headers.get("Authorization") != f"Bearer {fake.require_key}":
                    sent = self.headers.get("Authorization", "")
                    return self._json(401, {"error": {"message": f"Incorrect API key provided: {sent}"}})
                path = self.path.split("?")[0].rstrip("/")
                if path == "/v1/models" and fake.loading > 0:
                    fake.loading -= 1
                    return self._json(503, {"error": {"message": "Loading model", "code": 503}})
                if path == "/v1/models":
                    listed = [{"id": m, "object": "model", "owned_by": fake.owned_by, "created": int(time.time()),
                               **fake.entry_extra} for m in fake.models]
                    return self._json(200, {"object": "list", "data": listed})
                if path == "/props" and fake.props is not None:
                    return self._json(200, fake.props)
                return self._json(404, {"error": {"message": "not found"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                if self.path.split("?")[0] != "/v1/chat/completions":
                    fake.other.append(("POST", self.path))
                    return self._json(404, {"error": {"message": "not found"}})
                return fake.respond(self, body)

            def _json(self, status, payload, headers=()):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in dict(headers).items():
                    self.send_header(name, value)
                self.end_headers()
                fake.write(self, data)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

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

    def write(self, handler, data):
        if self.drip is None:
            handler.wfile.write(data)
            return
        for k in range(len(data)):
            handler.wfile.write(data[k:k + 1])
            handler.wfile.flush()
            time.sleep(self.drip)

    def respond(self, handler, body):
        messages = body["messages"]
        last = messages[-1]["content"]
        doc_id = next((d for d in DOC_IDS if DOCS[d] in last), None)
        prompt_tokens = sum(len(m["content"].encode()) for m in messages) // 4
        with self.lock:
            self.chat.append({"headers": {k.lower(): v for k, v in handler.headers.items()}, "body": body,
                              "doc_id": doc_id, "at": time.monotonic(), "path": handler.path,
                              "prompt_tokens": prompt_tokens})
            action = self.script.pop(0) if self.script else None
            self.asked.notify_all()
        if self.require_key is not None and handler.headers.get("Authorization") != f"Bearer {self.require_key}":
            sent = handler.headers.get("Authorization", "")
            return handler._json(401, {"error": {"message": f"Incorrect API key provided: {sent}"}})
        if body["model"] not in self.models and self.strict_names:
            return handler._json(404, {"error": {"message": f"The model `{body['model']}` does not exist."}})
        if doc_id in self.fail_docs:
            with self.asked:
                self.asked.wait_for(lambda: len(self.chat) >= self.fail_when_asked, timeout=10)
            return handler._json(self.fail_docs[doc_id], {"error": {"message": "forbidden"}})
        if action and action[0] == "status":
            message = action[3] if len(action) > 3 else "try again later"
            return handler._json(action[1], {"error": {"message": message}}, action[2])
        if action and action[0] == "sleep":
            time.sleep(action[1])
        if "stream_options" in body and not self.stream_options:
            return handler._json(400, {"error": {"message": "Unrecognized request argument supplied: stream_options"}})
        form = (body.get("response_format") or {}).get("type")
        if form is not None and form not in self.formats:
            message = (f"1 validation error: loc ('body', 'response_format', 'type'): Input should be 'text' or "
                       f"'json_object', input: '{form}'")
            return handler._json(self.format_status, {"error": {"message": message, "type": "internal_server_error"}})
        if self.context is not None and prompt_tokens + body.get("max_tokens", 0) > self.context:
            if self.context_style == "vllm":
                message = (f"This model's maximum context length is {self.context} tokens. However, you requested "
                           f"{prompt_tokens + body.get('max_tokens', 0)} tokens ({prompt_tokens} in the messages, "
                           f"{body.get('max_tokens', 0)} in the completion). Please reduce the length of the "
                           "messages or completion.")
                return handler._json(400, {"object": "error", "message": message, "type": "BadRequestError",
                                           "code": 400})
            return handler._json(400, {"error": {"code": 400, "message": "the request exceeds the available "
                                                 "context size. try increasing the context size",
                                                 "type": "exceed_context_size_error",
                                                 "n_prompt_tokens": prompt_tokens, "n_ctx": self.context}})
        waited = time.monotonic()
        if self._slots is not None:
            self._slots.acquire()
        try:
            with self.lock:
                self.queued_for.append(time.monotonic() - waited)
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            time.sleep(self.delay)
            return self._answer(handler, body, doc_id, messages, prompt_tokens)
        finally:
            with self.lock:
                self.in_flight -= 1
            if self._slots is not None:
                self._slots.release()

    def _answer(self, handler, body, doc_id, messages, prompt_tokens):
        for message in messages[:-1]:
            if doc_id is not None and DOCS[doc_id] in message["content"]:
                self.leaks.append(doc_id)
        content = self.answers.get(doc_id)
        if content is None:
            content = json.dumps({"claims": CLAIMS.get(doc_id, [])}, ensure_ascii=False)
            if self.fenced:
                content = f"Here are the claims:\n```json\n{content}\n```"
        if self.huge:
            content += " " * self.huge
        finish, completion_tokens = "stop", 10
        if self.truncate is not None:
            content, finish = content[:self.truncate], "length"
            completion_tokens = self.truncate_tokens or body.get("max_tokens", 10)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                 "total_tokens": prompt_tokens + completion_tokens}
        with self.lock:
            self.answered += 1
            going = self.stop_after is not None and self.answered >= self.stop_after
        if going:  # stop listening before this last answer leaves, so the next request finds no server
            self.httpd.shutdown()
            self.httpd.server_close()
        if self.raw is not None:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(self.raw)))
            handler.end_headers()
            return handler.wfile.write(self.raw)
        if body.get("stream") and self.streams:
            return self._stream(handler, body, content, finish, usage)
        payload = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": self.served_as,
                   "system_fingerprint": "fp_test",
                   "choices": [{"index": 0, "finish_reason": finish,
                                "message": {"role": "assistant", "content": content}}],
                   "usage": usage}
        return handler._json(200, payload)

    def _stream(self, handler, body, content, finish, usage):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Connection", "close")
        handler.end_headers()
        head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": self.served_as,
                "system_fingerprint": "fp_test"}
        events = [head | {"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]}]
        for k in range(0, len(content), self.piece):
            events.append(head | {"choices": [{"index": 0, "delta": {"content": content[k:k + self.piece]},
                                               "finish_reason": None}]})
        events.append(head | {"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        if self.stream_usage and (body.get("stream_options") or {}).get("include_usage"):
            events.append(head | {"choices": [], "usage": usage})
        try:
            for event in events:
                self.write(handler, f"data: {json.dumps(event)}\n\n".encode())
                handler.wfile.flush()
                if self.piece_delay:
                    time.sleep(self.piece_delay)
            self.write(handler, b"data: [DONE]\n\n")
        except OSError:
            with self.lock:
                self.disconnects += 1
        handler.close_connection = True
