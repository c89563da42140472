"""One run's connection to an OpenAI-compatible server: what it serves, how to ask it, retries, the counts.

A ``Session`` is shared by the model instances of one run (``bench.model.RunContext``) and
never outlives it. On first use it asks the server about itself (``llm_server.discover``):
the served model's identity goes into every cache key and the signature; the number of
requests in flight is what the server can compute at once (its slots when it says, one for a
server on this machine, else 4), so no request waits in the server's queue while its
deadline runs. The response format is decided once per server and model by the first
request (``json_schema``, then ``json_object`` with the schema, then plain text), kept in the
cache, and recorded.

Failures are of two kinds. Those that concern one document (a request that does not fit the
context, a response too large or not a completion, a server that keeps failing on it) raise
``DocumentFailed``: that document fails, the run goes on or stops as ``--on-error`` says. Those
that no document can escape (a rejected key, an unknown model, a server that cannot be
reached or went away for good) raise ``Fatal`` and end the run with one line; the other
threads' requests are cancelled at once. Every retry and timeout is one line on stderr
(document, attempt, cause). No credential is ever written or printed: the base URL is shown
redacted, messages quote no header, and the key, the URL's user-info and its secret query
values are masked wherever a server echoes them, answers included.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.exceptions import FatalError, InputError, printable, show
from bench.redact import without

from .llm_answer import Answer, TooDeep, loads, read_answer
from .llm_cache import ResponseCache, canonical, request_key
from .llm_http import Call, Cancelled, Endpoint, Lost, Refused, TimedOut, TooLarge, Unreachable
from .llm_prompt import message_tokens
from .llm_server import (FORMS, Incomplete, Server, StreamError, completion_of, context_numbers, discover, error_of,
                         error_of_object, is_context_error, names_format, names_stream_options, response_format)

RETRY_STATUSES = frozenset({408, 425, 429})  # and every 5xx
JITTER = 0.25
SHOWN = 5  # reasons shown in a warning
RECORDED = 200  # items of each list kept in the provenance
REMOTE_CONCURRENCY = 4
MAX_CONCURRENCY = 8
MIN_ANSWER_TOKENS = 256  # a request leaving less room than this for the answer is not sent
PROBE_TIMEOUT = 30.0
MAX_TIMEOUTS = 1  # retries of a request that ran out of time (the next try would likely run out too)


class Fatal(FatalError):
    """What ends the run: every request of the session fails with it from then on."""


class DocumentFailed(InputError):
    """What fails one document only."""


class _Unsupported(Exception):
    """The server refused the response format being tried."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Settings:
    """Everything an ``OpenAIModel`` was made with, checked (the key excepted)."""

    base_url: str
    model: str
    temperature: float
    seed: int
    max_tokens: int
    response_format: str  # "auto" or one of FORMS
    concurrency: int  # 0: fit the server
    timeout: float
    retries: int
    backoff: float
    max_wait: float
    stream: bool
    api_key_env: str
    cache: str

    def parameters(self, max_tokens: int) -> dict:
        """The request parameters besides the messages and the response format."""
        params = {"model": self.model, "temperature": self.temperature, "seed": self.seed}
        if max_tokens:
            params["max_tokens"] = max_tokens
        return params


class Session:
    """What the model instances of one run share: the server, the cache, the in-flight limit, the counts."""

    def __init__(self, settings: Settings, api_key: str, progress: bool):
        self.settings = settings
        self.endpoint = Endpoint.parse(settings.base_url)
        self.url = self.endpoint.shown
        self._key = api_key
        found = set(self.endpoint.secrets) | ({api_key} if len(api_key) >= 4 else set())
        self.secrets = tuple(sorted(found, key=len, reverse=True))
        self.cache = ResponseCache(Path(settings.cache))
        self.lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._form_cond = threading.Condition()
        self.server: Server | None = None
        self.served = ""
        self.offline = False
        self._seen_alive = False
        self._went_away = False  # a request found the server gone: check what it serves when it is back
        self.form: str | None = None if settings.response_format == "auto" else settings.response_format
        self._deciding: int | None = None
        self.tried: list[dict] = []
        self._stream_options = True
        self.concurrency, self.concurrency_source = 1, ""
        self.slots = threading.BoundedSemaphore(1)
        self._calls: set[Call] = set()
        self.fatal: str | None = None
        self._dead = threading.Event()
        self._closed = False  # the run is over: threads still working say nothing more
        self._say_lock = threading.Lock()
        self._random = random.Random()
        self._ended_bar = False
        self._in_flight, self._busy_since, self.wall_s = 0, 0.0, 0.0
        self.usage = {"requests": 0, "cache_hits": 0, "prompt_tokens": 0, "completion_tokens": 0}
        self.cached_tokens = {"prompt_tokens": 0, "completion_tokens": 0}
        self.probes = 0
        self.streamed = 0
        self.answers = 0
        self.fresh = 0  # answers received in this run (not from the cache)
        self.unreported = 0  # of those, answers whose server reported no token counts
        self.retried = 0
        self.retry_causes: dict[str, int] = {}
        self.formats = {form: 0 for form in FORMS}
        self.finish_reasons: dict[str, int] = {}
        self.echoed: list[str] = []
        self.fingerprints: list[str] = []
        self.unusable: list[dict] = []
        self.dropped: list[dict] = []
        self.dropped_count = 0
        self.truncated: list[dict] = []
        self.fitted: list[int] = []
        self.masked = 0
        self._context_explained = False
        self.warnings: list[str] = []
        from tqdm import tqdm

        self._write = tqdm.write if progress else None
        self.bar = tqdm(total=0, desc=f"{settings.model}: requests", unit="req", disable=not progress, leave=False)

    # -- messages and errors

    def clean(self, text: object, limit: int = 200) -> str:
        """Text from a server, one line, with every secret masked, cut to ``limit`` characters."""
        text = printable(" ".join(self._mask(str(text)).split()))
        return text if len(text) <= limit else text[:limit] + "…"

    def _masked(self, value: object) -> object:
        """``value`` (decoded JSON) with every secret in its strings masked."""
        if isinstance(value, str):
            return self._mask(value)
        if isinstance(value, list):
            return [self._masked(v) for v in value]
        if isinstance(value, dict):
            return {k: self._masked(v) for k, v in value.items()}
        return value

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = without(text, secret)
        return text

    def _failed(self, message: str) -> DocumentFailed:
        """This document's failure, with every secret masked."""
        return DocumentFailed(self._mask(message))

    def _say(self, message: str) -> None:
        """One line on stderr now (a retry, a timeout, a format refused), above the progress bars."""
        line = f"bench: warning: {printable(self._mask(message))}"
        with self._say_lock:  # never after close(): the run's last line is its own
            if self._closed:
                return
            if self._write is not None:
                self._write(line, file=sys.stderr)
            else:
                print(line, file=sys.stderr, flush=True)

    def _fail(self, message: str) -> Fatal:
        """The run's fatal error (the first one wins); the session ends and later requests fail at once."""
        self._die(f'model "openai": {self.clean(message, 600)}')
        return Fatal(self.fatal)

    def abort(self, exc: BaseException) -> None:
        """The run is being stopped (Ctrl-C, a fatal error elsewhere): requests in flight are cancelled."""
        self._die(str(exc) if isinstance(exc, InputError) else
                  f'model "openai": stopped ({type(exc).__name__})')

    def _die(self, message: str) -> None:
        with self.lock:
            if self.fatal is None:
                self.fatal = message
            calls = list(self._calls)
        self._dead.set()  # wakes the requests waiting to retry
        for call in calls:
            call.cancel()
        with self._form_cond:
            self._form_cond.notify_all()
        self._end()

    def _alive(self) -> None:
        if self.fatal is not None:
            raise Fatal(self.fatal)

    def _end(self) -> None:
        with self.lock:
            if not self._ended_bar:
                self._ended_bar = True
                self.bar.close()

    def close(self) -> None:
        """The run is over: the progress bar and the cache are closed, requests still in flight cancelled,
        and threads waiting to retry stopped, silently."""
        with self._say_lock:
            self._closed = True
        with self.lock:
            if self.fatal is None:
                self.fatal = 'model "openai": the run is over'
            calls = list(self._calls)
        self._dead.set()
        for call in calls:
            call.cancel()
        self._end()
        self.cache.close()

    def _headers(self) -> dict:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        elif self.endpoint.auth:
            headers["Authorization"] = self.endpoint.auth
        return headers

    # -- what the server is

    def start(self) -> None:
        """Ask the server what it serves, once per run (the first caller does it, the others wait)."""
        if self.server is not None:
            return
        with self._start_lock:
            if self.server is not None:
                return
            self._alive()
            settings = self.settings
            previous = self.cache.last_served(self.url, settings.model)
            try:
                server = discover(self._probe, settings.model)
            except Refused as exc:
                if previous is None:
                    raise self._fail(f"cannot reach the server at {self.url} ({exc.detail}): is it running, and is "
                                     "base_url right?") from None
                server = Server(kind="unreachable", identity=previous[1])
                self.offline = True
                self.warnings.append(
                    f'model "openai": the server at {self.url} cannot be reached ({exc.detail}): answers come from the '
                    f"cache, as given by the model it served last ({show(server.name)}); a document the cache "
                    "cannot answer fails")
            except Unreachable as exc:
                raise self._fail(f"cannot reach the server at {self.url} ({exc.detail}): is base_url right?") from None
            if server.listed is not None and not server.identity:
                names = ", ".join(show(name, 40) for name in server.listed[:10]) + (
                    ", …" if len(server.listed) > 10 else "")
                raise self._fail(f"the server at {self.url} does not serve model {show(settings.model)} "
                                 f"(it serves: {names or 'nothing'})")
            self.served = previous[0] if self.offline else server.served
            if not self.offline:
                self._seen_alive = True
                if previous is not None and previous[0] != self.served:
                    before = Server(identity=previous[1]).name
                    self.warnings.append(
                        f'model "openai": the server at {self.url} now serves {show(server.name)} as '
                        f"{show(settings.model)}, another model than in an earlier run ({show(before)}): the answers "
                        "cached for that one are not reused, and the signature differs")
                self.cache.saw(self.url, settings.model, self.served, server.identity)
            self.warnings.extend(f'model "openai": {note}' for note in server.notes)
            if self.form is None:
                known = self.cache.response_format(self.url, settings.model, self.served)
                self.form = known if known in FORMS else None
            if settings.concurrency > 0:
                self.concurrency, self.concurrency_source = settings.concurrency, "given"
            elif server.slots:
                self.concurrency = min(server.slots, MAX_CONCURRENCY)
                self.concurrency_source = f"the server's slots ({server.slots})"
            elif self.endpoint.loopback or self.offline:
                self.concurrency, self.concurrency_source = 1, "one at a time to a server on this machine"
            else:
                self.concurrency, self.concurrency_source = REMOTE_CONCURRENCY, "default for a remote server"
            self.slots = threading.BoundedSemaphore(self.concurrency)
            self.server = server

    def _probe(self, path: str, root: bool = False, post: object = None) -> tuple[int, object]:
        """One discovery request: (status, decoded JSON or None). Refused and Unreachable are raised for
        the model list only; any other failure is a server that does not answer this question. A model
        list answered with 503 (llama.cpp while it loads its model) is asked again, as a retry is."""
        for attempt in range(self.settings.retries + 1):
            status, found = self._probe_once(path, root, post)
            if path != "/models" or status != 503 or attempt == self.settings.retries:
                return status, found
            wait = min(self.settings.backoff * 2 ** min(attempt, 60), self.settings.max_wait)
            self._say(f'model "openai": the server at {self.url} is not ready (HTTP 503 for its model list: loading '
                      f"its model?); asking again in {wait:.1f} s")
            self._dead.wait(wait)
            self._alive()
        return status, found

    def _probe_once(self, path: str, root: bool, post: object) -> tuple[int, object]:
        call = Call(self.endpoint, min(self.settings.timeout, PROBE_TIMEOUT), max_bytes=4 * 1024 * 1024)
        body = None if post is None else canonical(post).encode("utf-8")
        with self.lock:
            self.probes += 1
            self._calls.add(call)
        try:
            reply = call.run("POST" if post is not None else "GET", self.endpoint.target(path, root=root), body,
                             self._headers())
        except (Refused, Unreachable):
            if path == "/models":
                raise
            return 0, None
        except (Lost, TimedOut, TooLarge, Cancelled):
            return 0, None
        finally:
            with self.lock:
                self._calls.discard(call)
        if path == "/models" and reply.status in (401, 403):
            message, _ = error_of(reply.body)
            raise self._key_error(reply.status, self.clean(message))
        try:
            return reply.status, loads(reply.body.decode("utf-8", "replace"))
        except ValueError:
            return reply.status, None

    def _key_error(self, status: int, detail: str) -> Fatal:
        env = self.settings.api_key_env
        hint = f"check ${env}" if self._key else (f"no key was sent: set ${env}" if env else "no key was sent")
        shown = f": {detail}" if detail else ""
        return self._fail(f"the server at {self.url} rejected the API key (HTTP {status}{shown}); {hint}")

    # -- one document

    def extract(self, doc_id: str, messages: list[dict]) -> list[dict]:
        """The claims the model finds in one document; ``DocumentFailed`` or ``Fatal`` when it cannot answer."""
        self.start()
        settings = self.settings
        with self.lock:
            self.bar.total += 1
            self.bar.refresh()
        max_tokens = settings.max_tokens
        context = self.server.context
        if context:
            room = context - message_tokens(messages)
            if room < MIN_ANSWER_TOKENS:
                raise self._context_error(doc_id, messages, max_tokens, context, None, sent=False)
            if max_tokens and room < max_tokens:
                max_tokens = room
                with self.lock:
                    self.fitted.append(room)
        body = settings.parameters(max_tokens) | {"messages": messages}
        completion, form, cached = self._answer(doc_id, body)
        masked = self._masked(completion)
        if masked != completion:
            completion = masked
            with self.lock:
                self.masked += 1
            self._say(f'model "openai": document "{doc_id}": the answer held a credential in use; it was masked')
        answer = read_answer(completion)
        with self.lock:
            self.answers += 1
            self.formats[form] += 1
            if cached:
                self.usage["cache_hits"] += 1
            self._note(doc_id, completion, cached, answer, max_tokens)
            self.bar.update(1)
            self.bar.set_postfix(cached=self.usage["cache_hits"], refresh=False)
        return answer.claims

    def _form_now(self) -> tuple[str, bool]:
        """The response format to ask with, and whether this request decides it (the first one, when it
        is not known yet; the others wait for it)."""
        with self._form_cond:
            while True:
                self._alive()
                if self.form is not None:
                    return self.form, False
                if self._deciding is None:
                    self._deciding = threading.get_ident()
                    return FORMS[0], True
                self._form_cond.wait(0.5)

    def _decided(self, form: str) -> None:
        with self._form_cond:
            self.form = form
            self._deciding = None
            self._form_cond.notify_all()
        if not self.offline:
            self.cache.saw(self.url, self.settings.model, self.served, self.server.identity, form)

    def _answer(self, doc_id: str, body: dict) -> tuple[dict, str, bool]:
        """(the completion for ``body``, the response format it was asked with, whether it came from the cache)."""
        form, deciding = self._form_now()
        try:
            while True:
                asked = dict(body)
                if response_format(form) is not None:
                    asked["response_format"] = response_format(form)
                key = request_key(self.url, self.served, asked)
                hit = self.cache.get(key)
                if hit is not None:
                    try:
                        completion = loads(hit)
                    except ValueError:
                        completion = None
                    if isinstance(completion, dict):
                        if deciding:
                            self._decided(form)
                        return completion, form, True
                if self.offline:
                    raise self._failed(f'model "openai", document "{doc_id}": the server at {self.url} cannot be '
                                         "reached and the cache has no answer for this request")
                try:
                    completion = self._send(doc_id, asked, deciding)
                except _Unsupported as refused:
                    self.tried.append({"response_format": form, "status": refused.status, "message": refused.message})
                    following = FORMS[FORMS.index(form) + 1]
                    self._say(f'model "openai": the server at {self.url} does not take response_format "{form}" '
                              f"(HTTP {refused.status}: {refused.message}); trying \"{following}\"")
                    form = following
                    continue
                if deciding:
                    self._decided(form)
                self.cache.put(key, self.url, self.served, asked, canonical(self._masked(completion)))
                return completion, form, False
        finally:
            if deciding:
                with self._form_cond:
                    if self._deciding == threading.get_ident():
                        self._deciding = None  # failed before deciding: the next request tries
                    self._form_cond.notify_all()

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

    def _progress(self, chunk: bytes) -> None:
        """A streamed piece arrived: the bar counts the events (about one token each) received so far."""
        events = chunk.count(b"data:")
        if events:
            with self.lock:
                self.streamed += events
                self.bar.set_postfix(cached=self.usage["cache_hits"], streamed=self.streamed, refresh=False)

    def _send(self, doc_id: str, body: dict, deciding: bool) -> dict:
        """The server's completion for ``body``, retried as the settings say (see the module docstring)."""
        settings = self.settings
        attempt, server_errors, timeouts = 0, 0, 0
        target = self.endpoint.target("/chat/completions")
        where = f'document "{doc_id}"'
        # the slot is held through the waits between retries: a server that struggles or restarts gets
        # one request at a time from this run, not one from every document
        with self.slots:
            while True:
                self._alive()
                reply, cause, headers, refused = None, "", None, False
                sent = dict(body)
                if settings.stream:
                    sent["stream"] = True
                    if self._stream_options:
                        sent["stream_options"] = {"include_usage": True}
                call = Call(self.endpoint, settings.timeout)
                with self.lock:
                    self._calls.add(call)
                self._started()
                try:
                    reply = call.run("POST", target, canonical(sent).encode("utf-8"), self._headers(),
                                     on_data=self._progress if settings.stream else None)
                except Refused as exc:
                    if not self._seen_alive:
                        raise self._fail(f"cannot reach the server at {self.url} ({exc.detail}): is it running, "
                                         "and is base_url right?") from None
                    cause, refused = f"connection refused ({exc.detail}): is the server restarting?", True
                except Unreachable as exc:
                    raise self._fail(f"cannot reach the server at {self.url} ({exc.detail})") from None
                except Lost as exc:
                    cause = f"lost the connection ({exc.detail})"
                except TimedOut:
                    cause = f"no complete answer within {settings.timeout:g} s (--model-arg timeout)"
                    timeouts += 1
                except TooLarge as exc:
                    raise self._failed(f'model "openai", {where}: {exc.detail}; it was not kept') from None
                except Cancelled:
                    self._alive()
                    raise Fatal('model "openai": cancelled') from None
                finally:
                    with self.lock:
                        self._calls.discard(call)
                    self._ended()
                if refused:
                    self._went_away = True
                elif reply is not None and self._went_away:
                    self._same_model_after_restart()
                if reply is not None:
                    status, message, error = reply.status, "", {}
                    if status == 200:
                        try:
                            return completion_of(reply.body, streamed=reply.content_type == "text/event-stream")
                        except StreamError as exc:
                            message, error = error_of_object({"error": exc.error})
                            code = error.get("code") if isinstance(error, Mapping) else None
                            status = code if isinstance(code, int) and 400 <= code < 600 else 500
                        except Incomplete as exc:
                            cause = str(exc)
                        except TooDeep as exc:
                            raise self._failed(f'model "openai", {where}: the response is {exc}; it was not '
                                                 "kept") from None
                        except ValueError as exc:
                            raise self._failed(f'model "openai", {where}: the server\'s response is not a chat '
                                                 f"completion ({self.clean(exc, 80)}); it was not kept") from None
                    else:
                        message, error = error_of(reply.body)
                        headers = reply.headers
                    if status != 200:
                        message = self.clean(message)
                        cause = f"HTTP {status}" + (f": {message}" if message else "")
                        if "stream_options" in sent and status in (400, 422) and names_stream_options(message):
                            self._stream_options = False  # a server that streams but takes no stream options
                            continue
                        self._refusal(doc_id, body, status, message, error, deciding)
                        if deciding and "response_format" in body and status >= 500:
                            server_errors += 1
                            if server_errors >= 2:  # a 500 twice for the format being tried: it is not taken
                                raise _Unsupported(status, message)
                if timeouts > MAX_TIMEOUTS:  # an answer that takes longer than the deadline will again
                    raise self._failed(f'model "openai", {where}: no complete answer within {settings.timeout:g} s, '
                                       f"{timeouts} times: give the server longer (--model-arg timeout) or ask for "
                                       "less (max_tokens)")
                if attempt >= settings.retries:
                    if refused:
                        raise self._fail(f"the server at {self.url} went away and did not come back ({cause}; gave up "
                                         f"after {settings.retries} retries)")
                    raise self._failed(f'model "openai", {where}: the server at {self.url} kept failing: {cause} '
                                         f"(gave up after {settings.retries} retries; --model-arg retries)")
                asked = _retry_after(headers)
                if asked is not None and asked > settings.max_wait:
                    raise self._fail(f"the server at {self.url} asks to wait {asked:g} s before retrying ({cause}), "
                                     f"longer than max_wait {settings.max_wait:g} s")
                if asked is None:
                    wait = min(settings.backoff * 2 ** min(attempt, 60), settings.max_wait)
                    wait *= 1 - JITTER * self._random.random()
                else:
                    wait = asked
                attempt += 1
                with self.lock:
                    self.retried += 1
                    kind = cause.split(" (")[0].split(":")[0]
                    self.retry_causes[kind] = self.retry_causes.get(kind, 0) + 1
                self._say(f'model "openai", {where}: attempt {attempt} of {settings.retries + 1} failed ({cause}); '
                          f"retrying in {wait:.1f} s")
                self._dead.wait(wait)

    def _same_model_after_restart(self) -> None:
        """A server that refused connections is back: it must serve the model it served before (its answer
        is not taken otherwise), or the run ends."""
        with self._start_lock:
            if not self._went_away:
                return  # another request checked already
            try:
                now = discover(self._probe, self.settings.model)
            except (Refused, Unreachable):
                return  # gone again: the request that got through is judged as it is
            self._went_away = False
            if now.identity and now.served != self.served:
                raise self._fail(f"the server at {self.url} came back serving {show(now.name)}, not the model it "
                                 f"served before ({show(self.server.name)}): answers of two models would be mixed")

    def _refusal(self, doc_id: str, body: dict, status: int, message: str, error: Mapping, deciding: bool) -> None:
        """Raise what a refusal means, unless it is worth another try (408, 425, 429, a 5xx)."""
        form = body.get("response_format")
        if is_context_error(message, error):
            context, prompt = context_numbers(message, error)
            raise self._context_error(doc_id, body["messages"], body.get("max_tokens"), context, prompt, sent=True)
        chosen = self.settings.response_format
        if form is not None and deciding and (names_format(message) or status in (400, 422, 501)):
            raise _Unsupported(status, message)
        if form is not None and names_format(message) and (status in (400, 422, 501) or chosen != "auto"):
            hint = ("--model-arg response_format=json_object or none" if chosen != "auto"
                    else "it took it before; has the server changed?")
            raise self._fail(f'the server at {self.url} does not take response_format "{form["type"]}" (HTTP '
                             f"{status}: {message}); {hint}")
        if status in (401, 403):
            raise self._key_error(status, message)
        if status == 404:
            raise self._fail(self._not_found(message))
        if status in RETRY_STATUSES or status >= 500:
            return
        detail = f": {message}" if message else ""
        raise self._failed(f'model "openai", document "{doc_id}": the server at {self.url} refused the request '
                             f"(HTTP {status}{detail})")

    def _context_error(self, doc_id: str, messages: list[dict], max_tokens: int | None, context: int | None,
                       prompt: int | None, *, sent: bool) -> DocumentFailed:
        """A request that does not fit the server's context, explained in full the first time."""
        estimate = message_tokens(messages)
        parts = [f"the server's context is {context} tokens"] if context else []
        parts.append(f"the prompt is {prompt} tokens" if prompt else f"the prompt is about {estimate} tokens "
                                                                     "(estimated)")
        if max_tokens:
            parts.append(f"max_tokens {max_tokens}")
        with self.lock:
            first = not self._context_explained
            self._context_explained = True
        message = (f'model "openai", document "{doc_id}": the request does not fit the server\'s context '
                   f"({'; '.join(parts)}){'' if sent else ', so it was not sent'}")
        if first:
            message += ("; start the server with a larger context (llama-server -c N, llama-cpp-python --n_ctx N, "
                        "vLLM --max-model-len N, Ollama OLLAMA_CONTEXT_LENGTH=N) or ask for less (--model-arg "
                        "shots, max_tokens); the request is not sent again")
        return self._failed(message)

    def _not_found(self, detail: str) -> str:
        """What a 404 means: a model the server does not serve, or no API at base_url."""
        model = self.settings.model
        listed = self.server.listed if self.server is not None else None
        shown = f" ({detail})" if detail else ""
        if listed is None:
            return (f"no OpenAI-compatible API at {self.url} (HTTP 404 for chat/completions{shown}): does base_url "
                    "end in /v1?")
        if model not in listed:
            names = ", ".join(show(name, 40) for name in listed[:10]) + (", …" if len(listed) > 10 else "")
            return f"the server at {self.url} does not serve model {show(model)} (it serves: {names or 'nothing'})"
        return f"the server at {self.url} answered HTTP 404 for model {show(model)}{shown}"

    # -- what the run records

    def _note(self, doc_id: str, completion: dict, cached: bool, answer: Answer, max_tokens: int) -> None:
        """Record one answer: the names and counts the server gave, what was dropped or cut (under the lock)."""
        model = completion.get("model")
        if isinstance(model, str) and model not in self.echoed:
            self.echoed.append(model)
        fingerprint = completion.get("system_fingerprint")
        if isinstance(fingerprint, str) and fingerprint and fingerprint not in self.fingerprints:
            self.fingerprints.append(fingerprint)
        choices = completion.get("choices") or [{}]
        finish = choices[0].get("finish_reason") if isinstance(choices[0], Mapping) else None
        if isinstance(finish, str):
            self.finish_reasons[finish] = self.finish_reasons.get(finish, 0) + 1
        usage = completion.get("usage") if isinstance(completion.get("usage"), Mapping) else {}
        tokens = {name: usage.get(name) for name in ("prompt_tokens", "completion_tokens")
                  if isinstance(usage.get(name), int) and not isinstance(usage.get(name), bool)}
        counts = self.cached_tokens if cached else self.usage
        for name, value in tokens.items():
            counts[name] += value
        if not cached:
            self.fresh += 1
            self.unreported += not tokens
        if answer.problem is not None:
            self.unusable.append({"doc_id": doc_id, "reason": answer.problem})
        self.dropped_count += len(answer.dropped)
        for number, reason in answer.dropped:
            if len(self.dropped) < RECORDED:
                self.dropped.append({"doc_id": doc_id, "item": number, "reason": reason})
        if answer.truncated:
            self.truncated.append(self._cut(doc_id, tokens, max_tokens, len(answer.claims)))

    def _cut(self, doc_id: str, tokens: dict, max_tokens: int, kept: int) -> dict:
        """Where an answer that stopped at a limit stopped: at max_tokens, or at the end of the server's context."""
        prompt, completion = tokens.get("prompt_tokens"), tokens.get("completion_tokens")
        context = self.server.context if self.server is not None else None
        if max_tokens and completion is not None and completion >= max_tokens:
            cause = "max_tokens"
        elif context and prompt is not None and completion is not None and prompt + completion >= context - 8:
            cause = "context"
        elif max_tokens and completion is not None:
            cause = "context"  # it stopped short of max_tokens: the server's context was full
        elif completion is None:
            cause = "unknown"  # the server gave no token counts: max_tokens or its context
        else:
            cause = "the server's limit"
        return {"doc_id": doc_id, "cause": cause, "prompt_tokens": prompt, "completion_tokens": completion,
                "max_tokens": max_tokens or None, "context": context, "claims_kept": kept}

    def fingerprint(self) -> dict:
        """What the signature adds for the server: the served model and the response format asked with."""
        self.start()
        return {"served": self.served, "response_format": self.form or "undecided"}

    def provenance(self) -> dict:
        self.start()
        settings = self.settings
        server = self.server
        with self.lock:
            request = settings.parameters(settings.max_tokens)
            if self.form is not None and response_format(self.form) is not None:
                request["response_format"] = response_format(self.form)
            found: dict = {
                "base_url": self.url,
                "model": settings.model,
                "server_model": server.name,
                "server": {"kind": server.kind, "served": self.served, "identity": server.identity,
                           "models_listed": None if server.listed is None else server.listed[:20],
                           "context": server.context, "slots": server.slots},
                "echoed_model": self.echoed[0] if len(self.echoed) == 1 else list(self.echoed),
            }
            if self.fingerprints:
                found["system_fingerprint"] = (self.fingerprints[0] if len(self.fingerprints) == 1
                                               else list(self.fingerprints))
            found |= {
                "request": request,
                "response_format": self.form,
                "response_format_tried": list(self.tried),
                "streamed": settings.stream,
                "answers": dict(self.formats),
                "finish_reasons": dict(self.finish_reasons),
                "max_tokens_fitted": None if not self.fitted else {"documents": len(self.fitted),
                                                                    "least": min(self.fitted)},
                "concurrency": self.concurrency,
                "concurrency_from": self.concurrency_source,
                "timeout_s": settings.timeout,
                "retries": settings.retries,
                "retried": self.retried,
                "retry_causes": dict(self.retry_causes),
                "discovery_requests": self.probes,
                "api_key_env": settings.api_key_env,
                "api_key_sent": bool(self._key),
                "cache": settings.cache,
                "cached_tokens": dict(self.cached_tokens),
                "unusable_answers": len(self.unusable),
                "unusable": list(self.unusable),
                "dropped_claims": self.dropped_count,
                "dropped": list(self.dropped),
                "truncated_answers": list(self.truncated),
                "masked_credentials": self.masked,
                "answers_without_token_counts": self.unreported,
                "usage": self.usage | {"wall_s": round(self.wall_s, 3)},
            }
            if self.fresh and self.unreported == self.fresh:  # the server counted nothing: n/a, not 0
                found["usage"] |= {"prompt_tokens": None, "completion_tokens": None}
            found["warnings"] = list(self.warnings) + self._summary()
        self._end()
        return found

    def _summary(self) -> list[str]:
        """The run's warnings about the answers (under the lock)."""
        settings, found = self.settings, []
        if self.unusable:
            shown = "; ".join(f'{u["doc_id"]}: {u["reason"]}' for u in self.unusable[:SHOWN])
            more = f"; and {len(self.unusable) - SHOWN} more" if len(self.unusable) > SHOWN else ""
            found.append(f'model "openai": {len(self.unusable)} of {self.answers} answers of {show(settings.model)} '
                         f"gave no usable claim and count as no claims: {shown}{more}")
        if self.dropped_count:
            reasons: dict[str, int] = {}
            for item in self.dropped:
                reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
            shown = "; ".join(f"{reason} ({n})" for reason, n in sorted(reasons.items(), key=lambda r: -r[1])[:SHOWN])
            documents = len({item["doc_id"] for item in self.dropped})
            found.append(f'model "openai": {self.dropped_count} malformed claim(s) in {documents} answer(s) were '
                         f"dropped, the rest of those answers kept: {shown}")
        if self.truncated:
            causes = [t["cause"] for t in self.truncated]
            parts = []
            if "max_tokens" in causes:
                parts.append(f"{causes.count('max_tokens')} at max_tokens (--model-arg max_tokens)")
            if "context" in causes:
                parts.append(f"{causes.count('context')} at the end of the server's context (start it with a "
                             "larger one)")
            if "unknown" in causes:
                parts.append(f"{causes.count('unknown')} at max_tokens or the end of the server's context (it gave "
                             "no token counts)")
            other = len(causes) - sum(causes.count(c) for c in ("max_tokens", "context", "unknown"))
            if other:
                parts.append(f"{other} at the server's own limit")
            found.append(f'model "openai": {len(self.truncated)} answer(s) were cut off, their complete claims '
                         f"kept: {', '.join(parts)}")
        if self.masked:
            found.append(f'model "openai": {self.masked} answer(s) held a credential in use, masked before '
                         "anything was written")
        return found


def _retry_after(headers) -> float | None:
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
