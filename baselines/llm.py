"""``openai``: an LLM behind any OpenAI-compatible chat-completions server, with a response cache.

Works with llama.cpp (``llama-server`` and llama-cpp-python), Ollama, vLLM, LM Studio and
OpenAI itself::

    bench run --model openai --model-arg base_url=http://localhost:8080/v1 --model-arg model=NAME

Arguments (``--model-arg key=value``), with their defaults:

- ``base_url: str = ""``: the server's OpenAI-compatible API, ending in ``/v1``; required.
- ``model: str = ""``: the model name the server knows; required.
- ``temperature: float = 0.0``, ``seed: int = 0``: sent with every request.
- ``max_tokens: int = 4096``: the longest answer; lowered to what the server's context leaves
  when the server says its context (llama.cpp, vLLM, Ollama with ``num_ctx``); 0 sends no limit.
- ``response_format: str = "auto"``: how the answer's JSON schema is asked for: ``json_schema``
  (OpenAI's structured outputs), ``json_object`` (with the schema, llama-cpp-python's form) or
  ``none`` (plain text, the JSON found in it); ``auto`` tries them in that order once per
  server and model, and keeps what worked in the cache.
- ``shots: int = 2``: few-shot examples per request.
- ``shots_from: str = ""``: where they come from: empty, the shipped development corpus
  ``dev-train``; else a gold folder or ``.jsonl`` (with ``shots_docs``), or a folder holding
  ``gold/`` and ``docs/``. Never the corpus being scored (see ``llm_prompt``).
- ``shots_docs: str = ""``: the documents of ``shots_from``.
- ``prompt: str = ""``: a prompt template file of your own; empty: the shipped
  ``prompts/claims.txt``.
- ``concurrency: int = 0``: requests in flight at once; 0 fits the server: its slots when it
  says (llama.cpp), one for a server on this machine, 4 for a remote one.
- ``timeout: float = 1200.0``: seconds one request may take in all, from when it is sent
  (waiting for a free slot on this side does not count).
- ``retries: int = 5``: retries of a request that got 408, 429 or a 5xx, lost its connection,
  or found the server restarting (connection refused after it had answered); one that ran out
  of time is retried once.
- ``backoff: float = 1.0``: the first wait before a retry, in seconds; it doubles with each
  retry (less up to 25 % jitter) unless the server says how long with ``Retry-After``.
- ``max_wait: float = 60.0``: the longest single wait; a server asking for longer ends the run.
- ``stream: bool = True``: stream answers (progress, and a request cancelled here is cancelled
  at the server); false asks for whole answers.
- ``api_key_env: str = "OPENAI_API_KEY"``: the environment variable that holds the API key.
  Unset or empty: no key is sent (local servers need none). No credential is ever written:
  not the key, not user-info or a secret query value in ``base_url``.
- ``cache: str = ""``: the cache file; empty: ``claimbench/llm-cache.sqlite`` under
  ``$XDG_CACHE_HOME`` (``~/.cache`` when unset).

Messages: the template (a condensed form of ``gold/GUIDELINES.md`` sections 1-7 with invented
examples), then for each shot a user message with an article's opening and an assistant
message with its gold claims as the answer JSON, then the article. The answer asked for is one
JSON object ``{"claims": [{"text", "type", "claimant", "attribution"}]}``; its claims are free
text that the runner places in the document (``bench.align``). The parts live in modules of
their own: ``llm_prompt`` (template, shots, sizes), ``llm_session`` (the server, retries,
counts), ``llm_server`` (what servers say), ``llm_http`` (bounded requests), ``llm_cache``
(the SQLite cache), ``llm_answer`` (reading answers, item by item).

The model does not train: its examples are fixed for the run, the same for every document and
every ``--limit``. The signature adds to the arguments the hashes of the template and the
examples, the served model's identity and the response format used. ``bench run --dry-run``
prints each document's prompt size and sends nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from bench.exceptions import InputError, show
from bench.model import Model, RunContext
from bench.records import Document
from bench.redact import redact_url

from .llm_prompt import MESSAGE_FORMAT, load_shots, message_tokens, read_template, user_message
from .llm_server import FORMS

CACHE_NAME = Path("claimbench") / "llm-cache.sqlite"
AUTO_THREADS = 8  # documents in hand at once when the server decides the concurrency
MAX_SECONDS = 1_000_000  # beyond this a socket or a timer cannot wait


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/claimbench/llm-cache.sqlite``, or under ``~/.cache`` (XDG: a relative value is ignored)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / CACHE_NAME


class OpenAIModel(Model):
    """An LLM behind an OpenAI-compatible chat-completions server (see the module docstring)."""

    name = "openai"
    tasks = ("claims",)
    # how answers are fetched and kept, or files named by what they hold (their hashes are signed
    # through fingerprint()): none of these can change a prediction by its own value
    neutral_args = ("concurrency", "timeout", "retries", "backoff", "max_wait", "stream", "api_key_env", "cache",
                    "prompt", "shots_from", "shots_docs", "response_format")

    def __init__(self, base_url: str = "", model: str = "", temperature: float = 0.0, seed: int = 0,
                 max_tokens: int = 4096, response_format: str = "auto", shots: int = 2, shots_from: str = "",
                 shots_docs: str = "", prompt: str = "", concurrency: int = 0, timeout: float = 1200.0,
                 retries: int = 5, backoff: float = 1.0, max_wait: float = 60.0, stream: bool = True,
                 api_key_env: str = "OPENAI_API_KEY", cache: str = ""):
        from .llm_http import Endpoint
        from .llm_session import Settings

        base_url = str(base_url).strip()
        if not base_url:
            raise InputError('model "openai" needs the server: --model-arg base_url=http://HOST:PORT/v1')
        try:
            Endpoint.parse(base_url)
        except ValueError:
            raise InputError(f'model "openai": base_url {show(redact_url(base_url))} must be http://HOST[:PORT]/PATH '
                             "or https://… (e.g. http://localhost:8080/v1)") from None
        if not str(model).strip():
            raise InputError('model "openai" needs a model name: --model-arg model=NAME (as the server knows it)')
        choices = ("auto", *FORMS)
        if response_format not in choices:
            raise InputError(f'model "openai": response_format={show(response_format)} must be one of '
                             f"{', '.join(choices)}")
        checks = [("concurrency", concurrency, concurrency >= 0, "0 (fit the server) or more"),
                  ("retries", retries, retries >= 0, "0 or more"),
                  ("shots", shots, shots >= 0, "0 or more"),
                  ("max_tokens", max_tokens, max_tokens >= 0, "0 (no limit) or more"),
                  ("timeout", timeout, 0 < timeout <= MAX_SECONDS, "a positive number of seconds, at most 1000000"),
                  ("backoff", backoff, 0 <= backoff <= MAX_SECONDS, "0 to 1000000 seconds"),
                  ("max_wait", max_wait, 0 <= max_wait <= MAX_SECONDS, "0 to 1000000 seconds")]
        for name, value, ok, expected in checks:
            if not ok or value != value:
                raise InputError(f'model "openai": {name}={value} must be {expected}')
        self._template, self._prompt_path, self._prompt_sha = read_template(str(prompt))
        self._shots = load_shots(int(shots), str(shots_from), str(shots_docs))
        self.settings = Settings(
            base_url=base_url.rstrip("/"), model=str(model).strip(), temperature=float(temperature), seed=int(seed),
            max_tokens=int(max_tokens), response_format=response_format, concurrency=int(concurrency),
            timeout=float(timeout), retries=int(retries), backoff=float(backoff), max_wait=float(max_wait),
            stream=bool(stream), api_key_env=str(api_key_env).strip(),
            cache=str(Path(cache).expanduser() if cache else default_cache()))
        self.workers = self.settings.concurrency or AUTO_THREADS
        self._session = None

    # -- Model API

    def messages(self, document: Document) -> list[dict]:
        """The chat messages for one document: the template, the examples, then the document."""
        return ([{"role": "system", "content": self._template}] + self._shots.messages()
                + [{"role": "user", "content": user_message(document.text)}])

    def predict(self, documents: Sequence[Document]) -> Mapping[str, Sequence[dict]]:
        from .llm_session import Fatal

        session = self._shared_session()
        out = {}
        try:
            for document in documents:
                problem = self._shots.check(document)
                if problem is not None:
                    raise session._fail(problem)
                out[document.doc_id] = session.extract(document.doc_id, self.messages(document))
        except (Fatal, KeyboardInterrupt, SystemExit) as exc:
            session.abort(exc)
            raise
        return out

    def dry_run(self, documents: Sequence[Document]) -> list[dict]:
        """Each document's request, its size estimated; nothing is sent and no cache is opened."""
        system = message_tokens(self.messages(Document("", ""))[:1])
        shots = message_tokens(self._shots.messages())
        rows = []
        for document in documents:
            article = message_tokens([{"content": user_message(document.text)}])
            prompt = system + shots + article
            limit = self.settings.max_tokens
            rows.append({"doc_id": document.doc_id, "system": system, "shots": shots, "article": article,
                         "prompt": prompt, "max_tokens": limit or None, "total": prompt + limit if limit else None})
        return rows

    def _shared_session(self):
        """The session of this run: one for every instance with the same settings and key."""
        from .llm_session import Session

        if self._session is not None:
            return self._session
        settings = self.settings
        key = os.environ.get(settings.api_key_env, "").strip() if settings.api_key_env else ""
        ident = ("openai", settings, hashlib.sha256(key.encode("utf-8", "replace")).hexdigest())
        if self.context is None:
            self.context = RunContext(progress=self.progress)
        self._session = self.context.shared(ident, lambda: Session(settings, key, self.progress))
        return self._session

    def provenance(self) -> dict | None:
        found = self._shared_session().provenance()
        found |= {"prompt": self._prompt_path, "prompt_sha256": self._prompt_sha, "message_format": MESSAGE_FORMAT,
                  "shots": len(self._shots.examples), "shots_from": self._shots.source,
                  "shot_documents": [s.doc_id for s in self._shots.examples],
                  "shots_sha256": self._shots.sha256,
                  "prompt_tokens_estimated": {"system": message_tokens(self.messages(Document("", ""))[:1]),
                                              "shots": message_tokens(self._shots.messages())}}
        return found

    def fingerprint(self) -> dict:
        return {"prompt_sha256": self._prompt_sha, "message_format": MESSAGE_FORMAT,
                "shots_sha256": self._shots.sha256, **self._shared_session().fingerprint()}
