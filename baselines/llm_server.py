"""What an OpenAI-compatible server is, and what its responses say: the served model, the context, the
slots, streamed answers, and errors.

``discover`` asks the server about itself once per run: ``GET /v1/models`` (every server),
then what the kind of server adds: llama.cpp's ``GET /props`` (the model file, the context
per slot, the number of slots), vLLM's ``max_model_len`` in the model list, Ollama's
``POST /api/show`` and ``GET /api/tags`` (the model's digest and its ``num_ctx``). The
*identity* kept from these is what names the model's weights and the context it runs
with, never a timestamp: it is hashed into ``served``, which goes into the cache key and the
run's signature, so another model behind the same name never shares either.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bench.records import ATTRIBUTIONS, CLAIM_TYPES

from .llm_answer import loads
from .llm_cache import canonical

# the answer asked for: one JSON object {"claims": [...]}
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
# response formats, in the order they are tried: OpenAI's structured outputs (vLLM, llama-server,
# Ollama, OpenAI), llama-cpp-python's JSON mode with a schema, then plain text
FORMS = ("json_schema", "json_object", "none")


def response_format(form: str) -> dict | None:
    """The ``response_format`` request field of a form (None: the field is not sent)."""
    if form == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "claims", "strict": True, "schema": RESPONSE_SCHEMA}}
    if form == "json_object":
        return {"type": "json_object", "schema": RESPONSE_SCHEMA}
    return None


@dataclass
class Server:
    """What the server said about itself."""

    kind: str = "openai-compatible"
    listed: list[str] | None = None  # the model names GET /models gave (None: it gave none)
    identity: dict = field(default_factory=dict)
    context: int | None = None  # tokens one request may use (prompt and answer), when the server says
    slots: int | None = None  # requests it computes at once, when it says
    notes: list[str] = field(default_factory=list)

    @property
    def served(self) -> str:
        """The identity, hashed: what the cache key and the signature name."""
        return hashlib.sha256(canonical(self.identity).encode("utf-8")).hexdigest()[:12]

    @property
    def name(self) -> str:
        """The served model as the server names it in its list (else the name it was asked for)."""
        return str(self.identity.get("id") or self.identity.get("label") or "?")


# Get(path, root=False, post=None) -> (status, decoded JSON or None); raises what the session raises
Get = Callable[..., tuple[int, object]]


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _entry(entries: list, model: str) -> Mapping | None:
    """The listed model a request for ``model`` is served by: the one so named (Ollama: or ``:latest``),
    else the only one listed (llama.cpp serves its one model whatever the name)."""
    for entry in entries:
        if entry.get("id") in (model, f"{model}:latest"):
            return entry
    return entries[0] if len(entries) == 1 else None


def discover(get: Get, model: str) -> Server:
    """The server behind ``get`` and the model it serves for ``model`` (see the module docstring).

    ``Server.listed`` is set and ``identity`` empty when the server lists several models and none
    is ``model``: the caller refuses the run.
    """
    server = Server()
    status, found = get("/models")
    entries = None
    if status == 200 and isinstance(found, Mapping) and isinstance(found.get("data"), list):
        entries = [e for e in found["data"] if isinstance(e, Mapping) and isinstance(e.get("id"), str)]
        server.listed = [e["id"] for e in entries]
    if entries is None:
        server.identity = {"label": model}
        server.notes.append(f"the server does not list its models (GET /models: HTTP {status})")
        return server
    entry = _entry(entries, model)
    if entry is None:
        return server
    identity = {"id": entry["id"]}
    for name in ("root", "parent", "max_model_len", "meta"):
        if entry.get(name) is not None:
            identity[name] = entry[name]
    server.identity = identity
    owner = str(entry.get("owned_by") or "")
    if owner == "vllm" or "max_model_len" in entry:
        server.kind, server.context = "vllm", _int(entry.get("max_model_len"))
    elif owner == "me":
        server.kind = "llama-cpp-python"
    elif owner in ("openai", "system", "openai-internal"):
        server.kind = "openai"
    if server.kind == "openai-compatible" or owner == "llamacpp":
        _llama_cpp(get, server)
    if server.kind == "openai-compatible":
        _ollama(get, server, entry["id"])
    return server


def _llama_cpp(get: Get, server: Server) -> None:
    """llama.cpp's ``/props``: the model file, the context of one slot, the slots."""
    status, props = get("/props", root=True)
    if status != 200 or not isinstance(props, Mapping):
        return
    settings = props.get("default_generation_settings")
    settings = settings if isinstance(settings, Mapping) else {}
    if "total_slots" not in props and not settings:
        return
    server.kind = "llama.cpp"
    server.slots = _int(props.get("total_slots"))
    server.context = _int(settings.get("n_ctx")) or _int(props.get("n_ctx"))
    if isinstance(props.get("model_path"), str):
        server.identity["path"] = props["model_path"]
    if server.context:
        server.identity["n_ctx"] = server.context


def _ollama(get: Get, server: Server, name: str) -> None:
    """Ollama's native API: the model's digest (``/api/tags``) and its ``num_ctx`` (``/api/show``)."""
    status, version = get("/api/version", root=True)
    if status != 200 or not isinstance(version, Mapping) or "version" not in version:
        return
    server.kind = "ollama"
    server.slots = None
    status, tags = get("/api/tags", root=True)
    if status == 200 and isinstance(tags, Mapping) and isinstance(tags.get("models"), list):
        for entry in tags["models"]:
            if isinstance(entry, Mapping) and name in (entry.get("name"), entry.get("model")):
                if isinstance(entry.get("digest"), str):
                    server.identity["digest"] = entry["digest"]
    status, shown = get("/api/show", root=True, post={"model": name})
    if status == 200 and isinstance(shown, Mapping):
        match = re.search(r"(?m)^\s*num_ctx\s+(\d+)", str(shown.get("parameters") or ""))
        if match:
            server.context = int(match.group(1))
            server.identity["num_ctx"] = server.context
    if server.context is None:
        server.notes.append("Ollama does not say the context it runs the model with, and cuts longer prompts "
                            "silently: start it with OLLAMA_CONTEXT_LENGTH set (see the README)")


# ---------------------------------------------------------------- responses

class StreamError(ValueError):
    """An error the server sent inside a stream (after its 200)."""

    def __init__(self, error: object):
        super().__init__("error in stream")
        self.error = error


class Incomplete(ValueError):
    """A stream that ended before the answer did."""


def completion_of(data: bytes, streamed: bool) -> dict:
    """The chat completion in a response body: a JSON completion, or one assembled from server-sent events.

    ``ValueError`` when the body is neither (``TooDeep`` when nested too deep, ``StreamError`` for an
    error event, ``Incomplete`` for a stream cut short).
    """
    text = data.decode("utf-8", "replace")
    if not streamed:
        found = loads(text)
        if not isinstance(found, dict) or not isinstance(found.get("choices"), list) or not found["choices"]:
            raise ValueError("the response is not a chat completion")
        return found
    parts, finish, done, usage, meta = [], None, False, None, {}
    for line in text.splitlines():
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            done = True
            break
        event = loads(payload)
        if not isinstance(event, dict):
            raise ValueError("an event of the stream is not a JSON object")
        if event.get("error") is not None:
            raise StreamError(event["error"])
        for name in ("id", "model", "system_fingerprint"):
            if isinstance(event.get(name), str):
                meta[name] = event[name]
        if isinstance(event.get("usage"), Mapping):
            usage = dict(event["usage"])
        for choice in event.get("choices") or []:
            if not isinstance(choice, Mapping) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or choice.get("message") or {}
            content = delta.get("content") if isinstance(delta, Mapping) else None
            if isinstance(content, str):
                parts.append(content)
            if isinstance(choice.get("finish_reason"), str):
                finish = choice["finish_reason"]
    if not done and finish is None:
        raise Incomplete("the stream ended before the answer was complete")
    completion = {"id": meta.get("id", ""), "object": "chat.completion", "model": meta.get("model"),
                  "choices": [{"index": 0, "finish_reason": finish,
                               "message": {"role": "assistant", "content": "".join(parts)}}]}
    if "system_fingerprint" in meta:
        completion["system_fingerprint"] = meta["system_fingerprint"]
    if usage is not None:
        completion["usage"] = usage
    return completion


def error_of(body: bytes) -> tuple[str, Mapping]:
    """(the message, the error object) of an error response, as far as it has them."""
    try:
        found = loads(body.decode("utf-8", "replace"))
    except ValueError:
        return body.decode("utf-8", "replace").strip(), {}
    return error_of_object(found)


def error_of_object(found: object) -> tuple[str, Mapping]:
    error = found.get("error", found) if isinstance(found, Mapping) else found
    if isinstance(error, Mapping):
        message = error.get("message") or error.get("detail") or error.get("msg")
        if message is None:
            message = canonical(error)
        elif not isinstance(message, str):
            message = canonical(message)
        return message, error
    if isinstance(found, Mapping) and isinstance(found.get("detail"), (list, str)):  # FastAPI's 422
        return canonical(found["detail"]), found
    return (error if isinstance(error, str) else canonical(error)), {}


_CONTEXT = re.compile(r"context.?(length|window|size)|maximum context|too many tokens|prompt is too long|"
                      r"input is too long|exceeds? the (available|model)|max_model_len|num_ctx", re.I)
_FORMAT = re.compile(r"response.?format|json.?schema|json.?object|grammar|guided|structured output", re.I)
_STREAM = re.compile(r"stream.?options|include.?usage", re.I)


def is_context_error(message: str, error: Mapping) -> bool:
    kind = f"{error.get('type', '')} {error.get('code', '')}"
    return bool(_CONTEXT.search(message) or _CONTEXT.search(kind) or "n_ctx" in error)


def names_format(message: str) -> bool:
    return bool(_FORMAT.search(message))


def names_stream_options(message: str) -> bool:
    return bool(_STREAM.search(message))


def context_numbers(message: str, error: Mapping) -> tuple[int | None, int | None]:
    """(the server's context, the prompt's tokens) an error names, when it does."""
    context = _int(error.get("n_ctx"))
    prompt = _int(error.get("n_prompt_tokens"))
    patterns_context = (r"maximum context length is (\d+)", r"context window of (\d+)",
                        r"available context size \((\d+)", r"context length of (\d+)")
    for pattern in patterns_context:
        match = re.search(pattern, message, re.I)
        if match and context is None:
            context = int(match.group(1))
    for pattern in (r"\((\d+) in the messages", r"Requested tokens \((\d+)\)", r"request \((\d+) tokens\)"):
        match = re.search(pattern, message, re.I)
        if match and prompt is None:
            prompt = int(match.group(1))
    return context, prompt
