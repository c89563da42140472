"""The ``openai`` model's prompt: the template, the few-shot examples, the messages, and their size.

Few-shot examples come from outside the evaluation: by default the shipped development
corpus ``dev-train`` (``bench.corpus.paths.CORPORA``), or a gold corpus the user names. They
are chosen once, from that corpus alone, so the prompt is the same for every document and
every ``--limit``; a document being evaluated is never an example (``Shots.check`` refuses
the run when one is). Each example is the opening of an article, cut at a paragraph end
within ``SHOT_CHARS`` characters, with the gold claims that lie wholly inside it; the
examples are picked greedily to cover the most claim types, ties going to the smaller
doc_id, so a small model's context holds them.

Sizes are estimated, not tokenised (no tokenizer is loaded, no request sent): a token per
``CHARS_PER_TOKEN`` UTF-8 bytes, rounded up, plus ``MESSAGE_TOKENS`` per message for the
chat template. On the shipped prompt this is within 10 % of SmolLM2's tokenizer and above
the counts of larger-vocabulary tokenizers (tests/perf/README.md).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from bench.exceptions import InputError, show
from bench.records import Claim, Corpus, Document

PROMPT_FILE = Path(__file__).resolve().parent / "prompts" / "claims.txt"
# Version of how messages are laid out around the template; part of the signature.
MESSAGE_FORMAT = 2
DEFAULT_SHOTS_FROM = "dev-train"
SHOT_CHARS = 900
CHARS_PER_TOKEN = 3.5
MESSAGE_TOKENS = 4


def user_message(text: str) -> str:
    """The user message that hands the model one article."""
    return f"Find the claims in this article.\n\n<article>\n{text}\n</article>"


def estimate_tokens(text: str) -> int:
    """The tokens ``text`` takes, estimated from its UTF-8 length (see the module docstring)."""
    return math.ceil(len(text.encode("utf-8", "replace")) / CHARS_PER_TOKEN)


def message_tokens(messages: list[dict]) -> int:
    return sum(estimate_tokens(m["content"]) + MESSAGE_TOKENS for m in messages)


def read_template(prompt: str) -> tuple[str, str, str]:
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


@dataclass(frozen=True)
class Shot:
    """One few-shot example: the article's opening and the gold claims inside it, as the answer JSON."""

    doc_id: str
    text: str
    answer: str
    full_text: str  # the whole article, to recognise it when it is evaluated


@dataclass(frozen=True)
class Shots:
    """The examples of a run and where they come from."""

    source: str  # as recorded: "dev-train" or the path given
    examples: tuple[Shot, ...]

    @property
    def sha256(self) -> str:
        payload = [[s.doc_id, s.text, s.answer] for s in self.examples]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()

    def messages(self) -> list[dict]:
        found = []
        for shot in self.examples:
            found.append({"role": "user", "content": user_message(shot.text)})
            found.append({"role": "assistant", "content": shot.answer})
        return found

    def check(self, document: Document) -> str | None:
        """Why ``document`` cannot be evaluated with these examples (it is one of them), or None."""
        for shot in self.examples:
            if shot.doc_id == document.doc_id or shot.full_text == document.text:
                return (f'document "{document.doc_id}" is one of the few-shot examples (from {self.source}): '
                        "examples must come from outside the evaluated corpus; give others with "
                        "--model-arg shots_from=GOLD (and shots_docs=DOCS), or --model-arg shots=0")
        return None


def load_shots(shots: int, shots_from: str, shots_docs: str) -> Shots:
    """The ``shots`` examples chosen from the development corpus, or from the gold corpus the user gave."""
    if shots == 0:
        return Shots(source="none", examples=())
    corpus, source = _pool(shots_from, shots_docs)
    chosen = choose(corpus, shots)
    if len(chosen) < shots:
        raise InputError(f'model "openai": shots={shots}, but {source} has only {len(chosen)} article(s) with '
                         "gold claims to show")
    return Shots(source=source, examples=tuple(chosen))


def _pool(shots_from: str, shots_docs: str) -> tuple[Corpus, str]:
    from bench.corpus.load import load_corpus
    from bench.corpus.paths import CORPORA

    name = shots_from.strip() or DEFAULT_SHOTS_FROM
    if name in CORPORA and not shots_docs:
        gold, docs = CORPORA[name]
        return load_corpus(gold=gold, docs=docs), name
    path = Path(name).expanduser()
    if not path.exists():
        raise InputError(f'model "openai": shots_from {show(name)} is neither a shipped corpus '
                         f'({", ".join(CORPORA)}) nor a path that exists')
    if not shots_docs and path.is_dir() and (path / "gold").is_dir() and (path / "docs").exists():
        gold, docs = path / "gold", path / "docs"
    elif shots_docs:
        gold, docs = path, Path(shots_docs).expanduser()
    else:
        raise InputError(f'model "openai": shots_from={name} needs its documents: --model-arg shots_docs=PATH '
                         "(or a folder holding gold/ and docs/)")
    try:
        return load_corpus(gold=gold, docs=docs), str(path)
    except InputError as exc:
        raise InputError(f'model "openai": the few-shot corpus: {exc}') from None


def excerpt(document: Document, claims: list[Claim], limit: int = SHOT_CHARS) -> tuple[str, list[Claim]]:
    """The opening of ``document`` cut at the last paragraph end within ``limit`` characters (the first
    paragraph whole when it is longer), and the claims wholly inside it, in order."""
    text = document.text
    ends = [i for i in range(len(text)) if text.startswith("\n\n", i)] + [len(text)]
    cut = max((e for e in ends if e <= limit), default=ends[0])
    kept = sorted((c for c in claims if c.start is not None and c.end is not None and c.end <= cut),
                  key=lambda c: (c.start, c.end))
    return text[:cut].rstrip(), kept


def _answer(document: Document, claims: list[Claim]) -> str:
    items = [{"text": document.text[c.start:c.end], "type": c.type,
              "claimant": c.claimant if c.claimant is not None else "",
              "attribution": c.attribution if c.attribution is not None else "indirect"} for c in claims]
    return json.dumps({"claims": items}, ensure_ascii=False)


def choose(corpus: Corpus, shots: int, limit: int = SHOT_CHARS) -> list[Shot]:
    """``shots`` examples: greedily the excerpt that adds the most claim types not yet shown, ties to the
    smaller doc_id; excerpts without claims are never shown."""
    candidates = []
    for doc_id in corpus.doc_ids:
        document = corpus.documents[doc_id]
        text, claims = excerpt(document, list(corpus.gold.get(doc_id, [])), limit)
        if claims:
            candidates.append((doc_id, text, claims, document))
    chosen: list[Shot] = []
    shown: set[str] = set()
    while candidates and len(chosen) < shots:
        best = max(range(len(candidates)),
                   key=lambda k: (len({c.type for c in candidates[k][2]} - shown), -k))
        doc_id, text, claims, document = candidates.pop(best)
        shown |= {c.type for c in claims}
        chosen.append(Shot(doc_id=doc_id, text=text, answer=_answer(document, claims), full_text=document.text))
    return chosen
