"""``openai``: an LLM behind any OpenAI-compatible chat-completions server, with a response cache.

Works with vLLM, llama.cpp's ``llama-server``, Ollama, LM Studio and OpenAI itself::

    bench run --model openai --model-arg base_url=http://localhost:8000/v1 --model-arg model=NAME

Arguments (``--model-arg key=value``), with their defaults:

- ``base_url: str = ""``: the server's OpenAI-compatible API, ending in ``/v1``; required.
- ``model: str = ""``: the model name the server knows; required.
- ``temperature: float = 0.0``, ``seed: int = 0``: sent with every request.
- ``max_tokens: int = 4096``: the longest answer; 0 sends no limit (the server's default,
  and what OpenAI models that refuse ``max_tokens`` need).
- ``concurrency: int = 4``: requests in flight at once (the runner predicts that many
  documents at a time).
- ``timeout: float = 300.0``: seconds one request may take.
- ``retries: int = 5``: retries of a request that got 429, a 5xx or 408, timed out, or lost
  its connection (a server that refuses the connection is not retried: it is not there).
- ``backoff: float = 1.0``: the first wait before a retry, in seconds; it doubles with each
  retry (less up to 25 % jitter) unless the server says how long with ``Retry-After``.
- ``max_wait: float = 60.0``: the longest single wait; a server asking for longer ends the run.
- ``api_key_env: str = "OPENAI_API_KEY"``: the environment variable that holds the API key.
  Unset or empty: no key is sent (local servers need none). The key is never written
  anywhere: not in the run, the cache, a message or the terminal.
- ``prompt: str = ""``: a prompt template file of your own; empty: the shipped
  ``prompts/claims.txt``.
- ``shots: int = 2``: few-shot examples per request (a training document and its gold).
- ``cache: str = ""``: the cache file; empty: ``claimbench/llm-cache.sqlite`` under
  ``$XDG_CACHE_HOME`` (``~/.cache`` when unset).

Messages. The system message is the template, a condensed form of ``gold/GUIDELINES.md``
sections 1-7 whose examples are invented (the guidelines quote the seed articles, which are
the evaluated documents). Then, for each shot, a user message with a training document and
an assistant message with its gold claims as the answer JSON; last, the user message with
the document to extract from. The answer asked for is one JSON object
``{"claims": [{"text", "type", "claimant", "attribution"}]}``; ``response_format`` carries it as a
JSON schema, and a server that rejects that (HTTP 400 or 422) is asked again without it and
its plain-text answer searched for the JSON object (code fences and ``<think>`` blocks
allowed). The claims are free text: the runner places them in the document (``bench.align``).

Few-shot examples come only from the documents given to ``fit``, i.e. the training documents
of the fold: the first ``shots`` of them in doc_id order (so folds share a prompt prefix a
server can cache). The document predicted is never among its own examples.

Unusable answers (not JSON, not the schema: unknown type or attribution, missing text, a
field of the wrong type) are the model's errors: that document gets no claims, the count and
the reasons go into the provenance and a warning says so.

Cache: SQLite, one row per request, keyed by the SHA-256 of the base URL and the whole request
body (model, messages, temperature, seed, max_tokens, response_format). Each answer is
committed when it arrives, so an interrupted run keeps what it got and a rerun sends only
the requests still missing; a rerun of the same command sends none. A server's refusal of
``response_format`` is remembered with the same key, so a rerun does not ask again.

Errors that end the run with one line (``InputError``, exit 2): the server cannot be
reached, HTTP 404 (an unknown model, or a base URL without the API), 401/403 (the key), any
other refusal of a request, a request still failing after ``retries`` retries.

The ``openai`` package (``pip install "claimbench[llm]"``) is imported only when the model
predicts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.records import ATTRIBUTIONS, CLAIM_TYPES, Claim, Document
from bench.exceptions import InputError, printable, show
from bench.model import Model, RunContext

PROMPT_FILE = Path(__file__).resolve().parent / "prompts" / "claims.txt"
CACHE_NAME = Path("claimbench") / "llm-cache.sqlite"
# Version of how messages are laid out around the template; part of the fingerprint.
MESSAGE_FORMAT = 1
CACHE_FORMAT = 1
RETRY_STATUSES = frozenset({408, 429})  # and every 5xx
REJECTED_STATUSES = frozenset({400, 422})  # a server that does not take response_format
ANSWER, REJECTED = "answer", "rejected"
JITTER = 0.25
SHOWN_REASONS = 5

RESPONSE_SCHEMA = {
    "type": "object",
    "properties": {
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "type": {"type": "string", "enum": list(CLAIM_TYPES)},
                    "claimant": {"type": "string"},
                    "attribution": {"type": "string", "enum": list(ATTRIBUTIONS)},
                },
                "required": ["text", "type", "claimant", "attribution"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["claims"],
    "additionalProperties": False,
}
RESPONSE_FORMAT = {"type": "json_schema", "json_schema": {"name": "claims", "strict": True, "schema": RESPONSE_SCHEMA}}


def user_message(text: str) -> str:
    """The user message that hands the model one article."""
    return f"Find the claims in this article.\n\n<article>\n{text}\n</article>"


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/claimbench/llm-cache.sqlite``, or under ``~/.cache`` (XDG: a relative value is ignored)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / CACHE_NAME


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def request_key(base_url: str, body: Mapping) -> str:
    """The cache key of a request: everything that can change its answer, hashed."""
    payload = {"cache_format": CACHE_FORMAT, "base_url": base_url, "body": body}
    return hashlib.sha256(_canonical(payload).encode("utf-8")).hexdigest()


def _without_credentials(url: str) -> str:
    """A URL with any ``user:password@`` part masked."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", r"\1***@", url)


# ---------------------------------------------------------------- reading an answer

_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.S)


def find_json_object(content: str) -> object:
    """The JSON object of a reply: the whole reply, a fenced block, or the first ``{`` that decodes.

    Raises ``ValueError`` when there is none.
    """
    text = _THINK.sub("", content).strip()
    candidates = [text] + [m.group(1).strip() for m in _FENCE.finditer(text)]
    for candidate in candidates:
        try:
            found = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(found, dict):
            return found
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            found, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(found, dict):
            return found
    raise ValueError("no JSON object in the answer")


def _valid_string(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \\ud800 escape
        return False
    return True


def claims_of(answer: object) -> list[dict]:
    """The claims of a decoded answer, checked against the schema; ``ValueError`` says what breaks it."""
    if not isinstance(answer, dict) or "claims" not in answer:
        raise ValueError('no "claims" field')
    items = answer["claims"]
    if not isinstance(items, list):
        raise ValueError('"claims" is not a list')
    claims = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ValueError(f"claim {number} is not an object")
        for name in ("text", "type", "claimant", "attribution"):
            if name not in item:
                raise ValueError(f'claim {number}: missing "{name}"')
            if not _valid_string(item[name]):
                raise ValueError(f'claim {number}: "{name}" is not a string')
        if not item["text"].strip():
            raise ValueError(f'claim {number}: empty "text"')
        if item["type"] not in CLAIM_TYPES:
            raise ValueError(f"claim {number}: unknown type {show(item['type'], 30)}")
        if item["attribution"] not in ATTRIBUTIONS:
            raise ValueError(f"claim {number}: unknown attribution {show(item['attribution'], 30)}")
        claimant = item["claimant"].strip()
        claims.append({"text": item["text"], "type": item["type"], "claimant": claimant or None,
                       "attribution": item["attribution"]})
    return claims


def read_answer(completion: Mapping) -> list[dict]:
    """The claims of a chat completion; ``ValueError`` when the answer is unusable."""
    try:
        choice = completion["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError):
        raise ValueError("the response has no message") from None
    content = message.get("content") if isinstance(message, Mapping) else None
    if not isinstance(content, str) or not content.strip():
        refusal = message.get("refusal") if isinstance(message, Mapping) else None
        raise ValueError("the model refused" if refusal else "empty answer")
    try:
        answer = find_json_object(content)
    except ValueError:
        cut = " (cut at max_tokens)" if choice.get("finish_reason") == "length" else ""
        raise ValueError(f"not JSON{cut}") from None
    return claims_of(answer)


# ---------------------------------------------------------------- the cache

class ResponseCache:
    """Answers by request key in a SQLite file; every write is committed at once. Thread-safe."""

    def __init__(self, path: Path):
        import sqlite3

        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                             "created REAL NOT NULL, base_url TEXT NOT NULL, model TEXT NOT NULL, "
                             "request TEXT NOT NULL, response TEXT NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            raise InputError(f'model "openai": cannot use the cache {path}: {exc} (--model-arg cache=PATH)') from None
        self._error = sqlite3.Error

    def get(self, key: str) -> tuple[str, str] | None:
        try:
            with self._lock:
                row = self._db.execute("SELECT kind, response FROM answers WHERE key = ?", (key,)).fetchone()
        except self._error as exc:
            raise InputError(f'model "openai": cannot read the cache {self.path}: {exc}') from None
        return None if row is None else (row[0], row[1])

    def put(self, key: str, kind: str, base_url: str, body: Mapping, response: str) -> None:
        try:
            with self._lock:
                self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 (key, kind, time.time(), base_url, str(body.get("model")), _canonical(body),
                                  response))
        except self._error as exc:
            raise InputError(f'model "openai": cannot write the cache {self.path}: {exc}') from None

    def close(self) -> None:
        with self._lock:
            self._db.close()


# ---------------------------------------------------------------- one run's connection to the server

@dataclass(frozen=True)
class Settings:
    """Everything an ``OpenAIModel`` was made with, checked (the key excepted)."""

    base_url: str
    model: str
    temperature: float
    seed: int
    max_tokens: int
    concurrency: int
    timeout: float
    retries: int
    backoff: float
    max_wait: float
    api_key_env: str
    prompt_path: str
    prompt_sha256: str
    shots: int
    cache: str

    def parameters(self) -> dict:
        """The request parameters besides the messages (response_format is added per request)."""
        params = {"model": self.model, "temperature": self.temperature, "seed": self.seed}
        if self.max_tokens:
            params["max_tokens"] = self.max_tokens
        return params


class _Rejected(Exception):
    """The server refused the request with 400/422 (perhaps for its response_format)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class _Fatal(InputError):
    """An error that ends the run; every request of the session fails with it from then on."""


class Session:
    """What the fold models of one run share: the client, the cache, the in-flight limit, the counts.

    The runner makes a fresh model per held-out document and asks only the last one for its
    provenance, so the counts live here, one session per run, kept in the run's context
    (``bench.model.RunContext``): a new run starts a new session, and a session never
    outlives its run. After a fatal error, the models of the run that still predict (the
    runner's other threads) fail at once, without a request.
    """

    def __init__(self, settings: Settings, api_key: str, progress: bool):
        try:
            import openai
        except ImportError:
            raise InputError('model "openai" needs the openai client: pip install "claimbench[llm]"') from None
        self._openai = openai
        self.settings = settings
        self.url = _without_credentials(settings.base_url)
        self._secret = api_key
        self._headers = {} if api_key else {"Authorization": openai.omit}
        self.client = openai.OpenAI(base_url=settings.base_url, api_key=api_key or "unused",
                                    max_retries=0, timeout=settings.timeout)
        self.cache = ResponseCache(Path(settings.cache))
        self.slots = threading.BoundedSemaphore(settings.concurrency)
        self.lock = threading.Lock()
        self.fatal: str | None = None  # the message; each failure raises a fresh _Fatal (no traceback kept)
        self._ended_bar = False
        self._dead = threading.Event()
        self._random = random.Random()
        self._in_flight, self._busy_since, self.wall_s = 0, 0.0, 0.0
        self.usage = {"requests": 0, "cache_hits": 0, "prompt_tokens": 0, "completion_tokens": 0}
        self.cached_tokens = {"prompt_tokens": 0, "completion_tokens": 0}
        self.answers = 0
        self.retried = 0
        self.formats = {"json_schema": 0, "plain_text": 0}
        self.unusable: list[dict] = []
        self.server_models: list[str] = []
        self.fingerprints: list[str] = []
        self.finish_reasons: dict[str, int] = {}
        from tqdm import tqdm

        self.bar = tqdm(total=0, desc=f"{settings.model}: requests", unit="req", disable=not progress, leave=False)

    # -- messages and errors

    def _clean(self, text: object, limit: int = 200) -> str:
        """Text from the server, one line, without the key, cut to ``limit`` characters."""
        text = str(text)
        if self._secret:
            text = text.replace(self._secret, "***")
        text = printable(" ".join(text.split()))
        return text if len(text) <= limit else text[:limit] + "…"

    def _server_message(self, exc) -> str:
        body = getattr(exc, "body", None)
        if isinstance(body, Mapping):
            found = body.get("message") or body.get("detail") or body.get("error")
            if found:
                return self._clean(found if isinstance(found, str) else _canonical(found))
        if isinstance(body, str) and body.strip():
            return self._clean(body)
        response = getattr(exc, "response", None)
        try:
            return self._clean(response.text) if response is not None and response.text.strip() else ""
        except Exception:
            return ""

    def _fail(self, message: str) -> _Fatal:
        """The run's fatal error (the first one wins); the session ends and later requests fail at once."""
        self._die(f'model "openai": {self._clean(message, 600)}')
        return _Fatal(self.fatal)

    def abort(self, exc: BaseException) -> None:
        """A prediction ended by something else (Ctrl-C, --timeout, a bug): later requests stop too."""
        self._die(str(exc) if isinstance(exc, InputError)
                  else f'model "openai": stopped after an earlier failure ({type(exc).__name__})')

    def _die(self, message: str) -> None:
        with self.lock:
            if self.fatal is None:
                self.fatal = message
        self._dead.set()  # wakes the requests waiting to retry
        self._end()

    def _alive(self) -> None:
        if self.fatal is not None:
            raise _Fatal(self.fatal)

    def _end(self) -> None:
        with self.lock:
            if not self._ended_bar:
                self._ended_bar = True
                self.bar.close()

    def close(self) -> None:
        """The run is over: the progress bar and the cache are closed."""
        self._end()
        self.cache.close()

    # -- HTTP

    def _started(self) -> None:
        with self.lock:
            self.usage["requests"] += 1
            if self._in_flight == 0:
                self._busy_since = time.monotonic()
            self._in_flight += 1

    def _ended(self) -> None:
        with self.lock:
            self._in_flight -= 1
            if self._in_flight == 0:
                self.wall_s += time.monotonic() - self._busy_since

    def _retry_after(self, headers) -> float | None:
        """The wait a 429/503 asks for: ``retry-after-ms``, ``Retry-After`` in seconds or as an HTTP date."""
        if headers is None:
            return None
        for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            value = headers.get(name)
            if value is None:
                continue
            try:
                seconds = float(value) * scale
            except ValueError:
                import email.utils

                try:
                    seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
                except (TypeError, ValueError, IndexError, OverflowError):
                    continue
            if seconds == seconds and seconds != float("inf"):  # not NaN, finite
                return max(seconds, 0.0)
        return None

    def send(self, body: dict) -> str:
        """The server's answer to ``body`` (the response's JSON text), retried as the settings say.

        Raises ``_Rejected`` for a 400/422 and ``_Fatal`` for what ends the run.
        """
        openai = self._openai
        settings = self.settings
        attempt = 0
        while True:
            self._alive()
            status, what, headers = None, "", None
            with self.slots:
                self._alive()
                self._started()
                try:
                    raw = self.client.chat.completions.with_raw_response.create(**body, extra_headers=self._headers)
                    return raw.text
                except openai.APIStatusError as exc:
                    status, headers = exc.status_code, exc.response.headers
                    what = self._server_message(exc)
                except openai.APITimeoutError:
                    what = f"no answer within {settings.timeout:g} s (--model-arg timeout)"
                except openai.APIConnectionError as exc:
                    cause = exc.__cause__
                    if type(cause).__name__ in ("ConnectError", "UnsupportedProtocol", "InvalidURL"):
                        raise self._fail(f"cannot reach the server at {self.url} ({self._clean(cause, 120)}): "
                                         "is it running, and is base_url right?") from None
                    what = f"lost the connection ({self._clean(cause or exc, 120)})"
                finally:
                    self._ended()
            if status is not None and status not in RETRY_STATUSES and status < 500:
                self._refused(status, what, body)
            # a timeout, a lost connection, 408, 429 or a 5xx: retry
            label = f"HTTP {status}" + (f": {what}" if what else "") if status is not None else what
            if attempt >= settings.retries:
                raise self._fail(f"the server at {self.url} kept failing: {label} "
                                 f"(gave up after {settings.retries} retries; --model-arg retries)")
            asked = self._retry_after(headers)
            if asked is not None and asked > settings.max_wait:
                raise self._fail(f"the server at {self.url} asks to wait {asked:g} s before retrying ({label}), "
                                 f"longer than max_wait {settings.max_wait:g} s")
            if asked is None:
                wait = min(settings.backoff * 2 ** attempt, settings.max_wait)
                wait *= 1 - JITTER * self._random.random()
            else:
                wait = asked
            attempt += 1
            with self.lock:
                self.retried += 1
            self._dead.wait(wait)

    def _refused(self, status: int, what: str, body: dict) -> None:
        """A 4xx that retrying cannot fix: ``_Rejected`` for 400/422, else the run ends."""
        detail = f" ({what})" if what else ""
        if status in REJECTED_STATUSES:
            raise _Rejected(status, what)
        if status in (401, 403):
            env = self.settings.api_key_env
            hint = f"check ${env}" if self._secret else (f"no key was sent: set ${env}" if env else "no key was sent")
            raise self._fail(f"the server at {self.url} rejected the API key (HTTP {status}{detail}); {hint}")
        if status == 404:
            raise self._fail(self._not_found(detail))
        raise self._fail(f"the server at {self.url} refused the request (HTTP {status}{detail})")

    def _not_found(self, detail: str) -> str:
        """What a 404 means: a model the server does not serve, or no API at base_url."""
        model = self.settings.model
        served = None
        try:
            self._started()
            try:
                raw = self.client.models.with_raw_response.list(extra_headers=self._headers)
            finally:
                self._ended()
            data = json.loads(raw.text).get("data")
            served = [str(m["id"]) for m in data if isinstance(m, Mapping) and "id" in m]
        except Exception:
            served = None
        if served is None:
            return (f"no OpenAI-compatible API at {self.url} (HTTP 404 for chat/completions{detail}): "
                    "does base_url end in /v1?")
        if model not in served:
            names = ", ".join(show(name, 40) for name in served[:10]) + (", …" if len(served) > 10 else "")
            return f"the server at {self.url} does not serve model {show(model)} (it serves: {names or 'nothing'})"
        return f"the server at {self.url} answered HTTP 404 for model {show(model)}{detail}"

    # -- one request, through the cache

    def _plain(self, body: dict) -> tuple[dict | None, bool]:
        """The answer to ``body`` without response_format (cached or asked), and whether it was cached."""
        url = self.settings.base_url
        key = request_key(url, body)
        hit = self.cache.get(key)
        if hit is not None and hit[0] == ANSWER:
            return _completion(hit[1]), True
        try:
            text = self.send(body)
        except _Rejected as rejected:
            detail = f" ({rejected.message})" if rejected.message else ""
            raise self._fail(f"the server at {self.url} refused the request (HTTP {rejected.status}{detail})") from None
        completion = _completion(text)
        if completion is not None:
            self.cache.put(key, ANSWER, url, body, text)
        return completion, False

    def extract(self, document: Document, messages: list[dict]) -> list[dict]:
        """The claims the model finds in ``document``; none when its answer is unusable."""
        with self.lock:
            self.bar.total += 1
            self.bar.refresh()
        body = self.settings.parameters() | {"messages": messages}
        completion, form, cached = self._lookup(body)
        reason = None
        try:
            if completion is None:
                raise ValueError("the server's response is not a chat completion")
            claims = read_answer(completion)
        except ValueError as exc:
            claims, reason = [], str(exc)
        with self.lock:
            self.answers += 1
            self.formats[form] += 1
            if cached:
                self.usage["cache_hits"] += 1
            if completion is not None:
                self._note(completion, cached)
            if reason is not None:
                self.unusable.append({"doc_id": document.doc_id, "reason": reason})
            self.bar.update(1)
            self.bar.set_postfix(cached=self.usage["cache_hits"], refresh=False)
        return claims

    def _lookup(self, body: dict) -> tuple[dict | None, str, bool]:
        url = self.settings.base_url
        with_format = body | {"response_format": RESPONSE_FORMAT}
        first = request_key(url, with_format)
        hit = self.cache.get(first)
        if hit is not None and hit[0] == ANSWER:
            return _completion(hit[1]), "json_schema", True
        if hit is not None:  # the server refused response_format for this request before
            completion, cached = self._plain(body)
            return completion, "plain_text", cached
        try:
            text = self.send(with_format)
        except _Rejected as rejected:
            completion, cached = self._plain(body)
            self.cache.put(first, REJECTED, url, with_format,
                           _canonical({"status": rejected.status, "message": rejected.message}))
            return completion, "plain_text", cached
        completion = _completion(text)
        if completion is not None:
            self.cache.put(first, ANSWER, url, with_format, text)
        return completion, "json_schema", False

    def _note(self, completion: dict, cached: bool) -> None:
        """Record the server's names and token counts of one completion (under ``self.lock``)."""
        model = completion.get("model")
        if isinstance(model, str) and model not in self.server_models:
            self.server_models.append(model)
        fingerprint = completion.get("system_fingerprint")
        if isinstance(fingerprint, str) and fingerprint and fingerprint not in self.fingerprints:
            self.fingerprints.append(fingerprint)
        choices = completion.get("choices") or [{}]
        finish = choices[0].get("finish_reason") if isinstance(choices[0], Mapping) else None
        if isinstance(finish, str):
            self.finish_reasons[finish] = self.finish_reasons.get(finish, 0) + 1
        usage = completion.get("usage") if isinstance(completion.get("usage"), Mapping) else {}
        counts = self.cached_tokens if cached else self.usage
        for name in ("prompt_tokens", "completion_tokens"):
            value = usage.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                counts[name] += value

    # -- what the run records

    def provenance(self) -> dict:
        settings = self.settings
        with self.lock:
            request = settings.parameters() | {"response_format": RESPONSE_FORMAT}
            found: dict = {
                "base_url": self.url,
                "model": settings.model,
                "server_model": self.server_models[0] if len(self.server_models) == 1 else list(self.server_models),
            }
            if self.fingerprints:
                found["system_fingerprint"] = (self.fingerprints[0] if len(self.fingerprints) == 1
                                               else list(self.fingerprints))
            found |= {
                "request": request,
                "answers": dict(self.formats),
                "finish_reasons": dict(self.finish_reasons),
                "prompt": settings.prompt_path,
                "prompt_sha256": settings.prompt_sha256,
                "message_format": MESSAGE_FORMAT,
                "shots": settings.shots,
                "concurrency": settings.concurrency,
                "timeout_s": settings.timeout,
                "retries": settings.retries,
                "retried": self.retried,
                "api_key_env": settings.api_key_env,
                "api_key_sent": bool(self._secret),
                "cache": settings.cache,
                "cached_tokens": dict(self.cached_tokens),
                "unusable_answers": len(self.unusable),
                "unusable": list(self.unusable),
                "openai_client": getattr(self._openai, "__version__", "?"),
                "usage": self.usage | {"wall_s": round(self.wall_s, 3)},
            }
            warnings = []
            if self.unusable:
                shown = "; ".join(f'{u["doc_id"]}: {u["reason"]}' for u in self.unusable[:SHOWN_REASONS])
                more = f"; and {len(self.unusable) - SHOWN_REASONS} more" if len(self.unusable) > SHOWN_REASONS else ""
                warnings.append(f'model "openai": {len(self.unusable)} of {self.answers} answers of '
                                f'{show(settings.model)} were unusable (not JSON, or not the schema) and count '
                                f"as no claims: {shown}{more}")
            truncated = self.finish_reasons.get("length", 0)
            if truncated:
                warnings.append(f'model "openai": {truncated} answer(s) stopped at max_tokens '
                                f"{settings.max_tokens} (--model-arg max_tokens)")
            found["warnings"] = warnings
        self._end()
        return found


def _completion(text: str) -> dict | None:
    """A response body as a chat completion, or None if it is not one."""
    try:
        found = json.loads(text)
    except ValueError:
        return None
    if not isinstance(found, dict) or not isinstance(found.get("choices"), list) or not found["choices"]:
        return None
    return found


# ---------------------------------------------------------------- the model

def _read_prompt(prompt: str) -> tuple[str, str, str]:
    """(template text, the path recorded, its sha256)."""
    path = Path(prompt).expanduser() if prompt else PROMPT_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f'model "openai": cannot read the prompt template: {exc.strerror or exc}', path=path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError('model "openai": the prompt template is not UTF-8 text', path=path) from None
    if not text.strip():
        raise InputError('model "openai": the prompt template is empty', path=path)
    recorded = str(path) if prompt else "claims.txt (shipped)"
    return text, recorded, hashlib.sha256(data).hexdigest()


class OpenAIModel(Model):
    """An LLM behind an OpenAI-compatible chat-completions server (see the module docstring)."""

    name = "openai"
    tasks = ("claims",)
    # how answers are fetched and kept, not what is asked: they cannot change a prediction
    neutral_args = ("concurrency", "timeout", "retries", "backoff", "max_wait", "api_key_env", "cache")

    def __init__(self, base_url: str = "", model: str = "", temperature: float = 0.0, seed: int = 0,
                 max_tokens: int = 4096, concurrency: int = 4, timeout: float = 300.0, retries: int = 5,
                 backoff: float = 1.0, max_wait: float = 60.0, api_key_env: str = "OPENAI_API_KEY",
                 prompt: str = "", shots: int = 2, cache: str = ""):
        base_url = str(base_url).strip()
        if not base_url:
            raise InputError('model "openai" needs the server: --model-arg base_url=http://HOST:PORT/v1')
        if not re.match(r"https?://[^/\s]", base_url, re.I):
            raise InputError(f'model "openai": base_url {show(_without_credentials(base_url))} must start with '
                             "http:// or https:// (e.g. http://localhost:8000/v1)")
        if not str(model).strip():
            raise InputError('model "openai" needs a model name: --model-arg model=NAME (as the server knows it)')
        checks = [("concurrency", concurrency, concurrency >= 1, "at least 1"),
                  ("retries", retries, retries >= 0, "0 or more"),
                  ("shots", shots, shots >= 0, "0 or more"),
                  ("max_tokens", max_tokens, max_tokens >= 0, "0 (no limit) or more"),
                  ("timeout", timeout, timeout > 0, "a positive number of seconds"),
                  ("backoff", backoff, backoff >= 0, "0 or more seconds"),
                  ("max_wait", max_wait, max_wait >= 0, "0 or more seconds")]
        for name, value, ok, expected in checks:
            if not ok or value != value:
                raise InputError(f'model "openai": {name}={value} must be {expected}')
        template, prompt_path, prompt_sha = _read_prompt(str(prompt))
        self._template = template
        self.settings = Settings(
            base_url=base_url.rstrip("/"), model=str(model).strip(), temperature=float(temperature), seed=int(seed),
            max_tokens=int(max_tokens), concurrency=int(concurrency), timeout=float(timeout), retries=int(retries),
            backoff=float(backoff), max_wait=float(max_wait), api_key_env=str(api_key_env).strip(),
            prompt_path=prompt_path, prompt_sha256=prompt_sha, shots=int(shots),
            cache=str(Path(cache).expanduser() if cache else default_cache()))
        self.workers = self.settings.concurrency
        self._examples: list[tuple[Document, list[dict]]] = []
        self._session: Session | None = None

    # -- Model API

    def fit(self, documents: Sequence[Document], gold: Mapping[str, Sequence[Claim]]) -> None:
        """Keep the few-shot examples: the first ``shots`` training documents by doc_id, with their gold."""
        chosen = sorted(documents, key=lambda d: d.doc_id)[:self.settings.shots]
        self._examples = [(doc, [_example_claim(doc, c) for c in sorted(gold.get(doc.doc_id, ()), key=_position)])
                          for doc in chosen]

    def messages(self, document: Document) -> list[dict]:
        """The chat messages for one document: the template, the examples, then the document."""
        messages = [{"role": "system", "content": self._template}]
        for example, claims in self._examples:
            if example.doc_id == document.doc_id or example.text == document.text:
                continue  # never a document's own gold
            messages.append({"role": "user", "content": user_message(example.text)})
            messages.append({"role": "assistant", "content": json.dumps({"claims": claims}, ensure_ascii=False)})
        messages.append({"role": "user", "content": user_message(document.text)})
        return messages

    def predict(self, documents: Sequence[Document]) -> Mapping[str, Sequence[dict]]:
        session = self._session
        if session is None:
            session = self._session = self._shared_session()
        out = {}
        try:
            for document in documents:
                out[document.doc_id] = session.extract(document, self.messages(document))
        except BaseException as exc:
            session.abort(exc)
            raise
        return out

    def _shared_session(self) -> Session:
        """The session of this run: one for every fold model with the same settings and key."""
        settings = self.settings
        key = os.environ.get(settings.api_key_env, "").strip() if settings.api_key_env else ""
        ident = ("openai", settings, hashlib.sha256(key.encode("utf-8", "replace")).hexdigest())
        context = self.context if self.context is not None else RunContext(progress=self.progress)
        self.context = context
        return context.shared(ident, lambda: Session(settings, key, self.progress))

    def provenance(self) -> dict | None:
        return None if self._session is None else self._session.provenance()

    def fingerprint(self) -> dict:
        return {"prompt_sha256": self.settings.prompt_sha256, "message_format": MESSAGE_FORMAT}


def _position(claim: Claim) -> tuple:
    return (claim.start if claim.start is not None else -1, claim.end if claim.end is not None else -1)


def _example_claim(document: Document, claim: Claim) -> dict:
    """A gold claim as the answer JSON has it."""
    text = claim.text
    if text is None and claim.start is not None and claim.end is not None:
        text = document.text[claim.start:claim.end]
    found = {"text": text or "", "type": claim.type}
    found["claimant"] = claim.claimant if claim.claimant is not None else ""
    found["attribution"] = claim.attribution if claim.attribution is not None else "indirect"
    return found
