"""Reading an LLM's answer: the JSON object in its reply, and the claims in it, item by item.

An answer is judged item by item: a malformed item (no text, an unknown type, a field of the
wrong type) is dropped with its reason and the well-formed items are kept. A reply cut off
mid-way (``finish_reason == "length"``) keeps the items it completed. Parsing is bounded: a
reply nested deeper than ``MAX_DEPTH`` is refused before it is decoded (Python's decoder
would recurse until ``RecursionError``), and at most ``MAX_STARTS`` positions are tried when
looking for the object inside prose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bench.exceptions import show
from bench.records import ATTRIBUTIONS, CLAIM_TYPES

MAX_DEPTH = 32  # an answer {"claims": [{...}]} is 3 deep, a chat completion around it 6
MAX_STARTS = 2000

_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.S)
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_CLAIMS_LIST = re.compile(r'"claims"\s*:\s*\[')


class TooDeep(ValueError):
    """JSON nested deeper than ``MAX_DEPTH``."""


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Raise ``TooDeep`` when ``text`` opens more than ``limit`` brackets at once (strings skipped)."""
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                raise TooDeep(f"JSON nested deeper than {limit} levels")
        elif token in "]}":
            depth = max(depth - 1, 0)


def loads(text: str, limit: int = MAX_DEPTH) -> object:
    """``json.loads`` with the depth checked first; ``ValueError`` for anything that is not bounded JSON."""
    check_depth(text, limit)
    try:
        return json.loads(text)
    except RecursionError:  # pragma: no cover - check_depth comes first
        raise TooDeep(f"JSON nested deeper than {limit} levels") from None


@dataclass
class Answer:
    """What one reply gave: its claims, the items dropped (number, reason), and why it gave none, if so."""

    claims: list[dict] = field(default_factory=list)
    dropped: list[tuple[int, str]] = field(default_factory=list)
    problem: str | None = None  # the whole answer is unusable: no claims at all
    truncated: bool = False


def find_json_object(content: str) -> dict:
    """The JSON object of a reply: the whole reply, a fenced block, or the first ``{`` that decodes
    (one with a ``"claims"`` field first). Raises ``ValueError`` when there is none."""
    text = _THINK.sub("", content).strip()
    check_depth(text)
    candidates = [text] + [m.group(1).strip() for m in _FENCE.finditer(text)]
    for candidate in candidates:
        try:
            found = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(found, dict):
            return found
    decoder = json.JSONDecoder()
    first = None
    for number, match in enumerate(re.finditer(r"\{", text)):
        if number >= MAX_STARTS:
            break
        try:
            found, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(found, dict):
            if "claims" in found:
                return found
            first = found if first is None else first
    if first is not None:
        return first
    raise ValueError("no JSON object in the answer")


def complete_items(content: str) -> list | None:
    """The items a cut-off ``{"claims": [...`` completed before it stopped, or None when it has no such list."""
    text = _THINK.sub("", content)
    match = _CLAIMS_LIST.search(text)
    if match is None:
        return None
    check_depth(text)
    decoder = json.JSONDecoder()
    items, at = [], match.end()
    while True:
        while at < len(text) and text[at] in " \t\r\n,":
            at += 1
        if at >= len(text) or text[at] == "]":
            return items
        try:
            item, at = decoder.raw_decode(text, at)
        except ValueError:
            return items
        items.append(item)


def _string(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \\ud800 escape
        return False
    return True


def claim_of(item: object) -> tuple[dict | None, str | None]:
    """(the claim, None) for a well-formed item, else (None, why not).

    ``text`` (non-empty) and ``type`` are required; ``claimant`` and ``attribution`` may be
    missing or null (a claim without them), but when given must be a string and a known form.
    """
    if not isinstance(item, dict):
        return None, "not an object"
    for name in ("text", "type"):
        if name not in item:
            return None, f'missing "{name}"'
        if not _string(item[name]):
            return None, f'"{name}" is not a string'
    if not item["text"].strip():
        return None, 'empty "text"'
    if item["type"] not in CLAIM_TYPES:
        return None, f"unknown type {show(item['type'], 30)}"
    claimant, attribution = item.get("claimant"), item.get("attribution")
    if claimant is not None and not _string(claimant):
        return None, '"claimant" is not a string'
    if attribution is not None:
        if not _string(attribution):
            return None, '"attribution" is not a string'
        if attribution not in ATTRIBUTIONS:
            return None, f"unknown attribution {show(attribution, 30)}"
    claimant = claimant.strip() if claimant is not None else ""
    return {"text": item["text"], "type": item["type"], "claimant": claimant or None,
            "attribution": attribution}, None


def claims_of(answer: object) -> Answer:
    """The well-formed claims of a decoded answer, and each dropped item with its reason."""
    if not isinstance(answer, dict) or "claims" not in answer:
        return Answer(problem='no "claims" field')
    items = answer["claims"]
    if not isinstance(items, list):
        return Answer(problem='"claims" is not a list')
    return _judged(items)


def _judged(items: list) -> Answer:
    found = Answer()
    for number, item in enumerate(items, 1):
        claim, reason = claim_of(item)
        if claim is None:
            found.dropped.append((number, reason))
        else:
            found.claims.append(claim)
    return found


def read_answer(completion: Mapping) -> Answer:
    """The claims of a chat completion; an ``Answer`` with a ``problem`` when it has none to give."""
    try:
        choice = completion["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError):
        return Answer(problem="the response has no message")
    if not isinstance(choice, Mapping) or not isinstance(message, Mapping):
        return Answer(problem="the response has no message")
    truncated = choice.get("finish_reason") == "length"
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        if truncated:
            return Answer(problem="cut off before any claim", truncated=True)
        return Answer(problem="the model refused" if message.get("refusal") else "empty answer")
    try:
        answer = find_json_object(content)
    except TooDeep as exc:
        return Answer(problem=str(exc), truncated=truncated)
    except ValueError:
        answer = None
    if answer is None or "claims" not in answer:
        items = complete_items(content)  # a claims list that breaks off: the items it completed
        if items is None:
            if truncated:
                return Answer(problem="cut off before any claim", truncated=True)
            return Answer(problem="not JSON") if answer is None else claims_of(answer)
        found = _judged(items)
        found.truncated = truncated
        if not truncated:  # it stopped of itself mid-way: what follows the last complete item is lost
            found.dropped.append((len(items) + 1, "the answer breaks off here (incomplete JSON)"))
        return found
    found = claims_of(answer)
    found.truncated = truncated
    return found
