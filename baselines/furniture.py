"""Page furniture: what a news page prints around its prose, which no baseline should read as claims.

``segment.is_boilerplate`` judges one line alone (links, bylines, share buttons, bare dates
and times). This module adds what needs the line's shape or its neighbours:

- photo captions, which end in a credit ("... on March 21. Agency/Jane Roe", "... Photo: Jane
  Roe/Agency"), with any quote they repeat from the body;
- tag and topic lists ("Tags: a, b, c") and section labels ("SPORT | Football");
- the capitalised headlines of a "Related:" or "More from ..." block;
- a dateline before the first sentence of wire copy ("CITY, Oct 14 (Agency) - ..."), a list
  bullet ("- ", "• ") and a timestamp that opens a live-blog line ("6.12am ...").

``prose_lines`` gives every line that is prose, each as (content start, end): where its
words begin after any label, dateline, bullet or timestamp, and where the line ends. It is
the one source of lines for every baseline. General English page conventions only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .segment import is_boilerplate, label_prefix_end, lines, mask, split_sentences, strip_span, trim, words

# "... on March 21. Agency/Jane Roe" or "... Photo: Jane Roe/Agency" at the end of a line
_CREDIT = re.compile(
    r"(?:[.!?\"”’]\s+|^)(?:(?i:photo(?:graph)?|picture|image|credit|pic)s?\s*:\s*[^.]{0,80}"
    r"|[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,5}\s*/\s*[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,4})\s*$",
)
_CREDIT_WORD = re.compile(r"\b(?:photo(?:graph)?|picture|image|credit|pic)s?\s*:", re.IGNORECASE)
_TAGS = re.compile(r"^\s*(?:tags?|topics?|related topics|filed under|keywords|more on|read more|see also|read also|"
                   r"also read|watch|listen)\s*:", re.IGNORECASE)  # a list of tags, or a link to another page
_SECTION = re.compile(r"^[^|.!?]{1,40}\|[^|.!?]{1,60}$")
_RELATED = re.compile(r"^\s*(?:more\s+from\b.*|more\s+on\b.*|most\s+read|"
                      r"popular|trending|recommended)\s*:?\s*$", re.IGNORECASE)
_DATELINE = re.compile(
    r"[A-Z][A-Z.'’ -]{1,40}(?:,\s*[A-Z][\w.'’ -]{1,30}){0,2}"
    r"(?:,\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8}))?"
    r"\s*(?:\([^()\n]{2,60}\))?\s*[-–—]+\s+(?=[\"“‘'A-Z0-9])"
)
_LIVE_SUFFIX = re.compile(r"\s+[-–—|]\s*(?:live(?:\s+(?:updates?|blog|coverage))?|as\s+it\s+happened|latest(?:\s+updates?)?)\s*$",
                          re.IGNORECASE)
_BYLINE = re.compile(r"^(?:by|reporting by|additional reporting by|written by|edited by|editing by)\s+[A-Z]", re.IGNORECASE)
_BULLET = re.compile(r"\s*(?:[-–—•*·▪●]|\d{1,2}[.)])\s+(?=\S)")
_TIMESTAMP = re.compile(r"\s*(?:updated\s+)?\d{1,2}[.:]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s*(?:GMT|UTC|BST|CET|EST|ET))?"
                        r"\s*[:\-–—]?\s+(?=[A-Z\"“‘])", re.IGNORECASE)


def is_caption(line: str) -> bool:
    """A photo caption: a line that ends in a photo credit."""
    if _CREDIT_WORD.search(line) and _CREDIT.search(line):
        return True
    m = _CREDIT.search(line)
    return bool(m) and "/" in m.group() and not re.search(r"https?://|www\.", line)


def _all_caps(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 8 and all(ch.isupper() for ch in letters)


def content_start(masked: str, start: int, end: int, *, first_prose: bool = False) -> int:
    """Where a prose line's words begin: after a label ("Read more:"), a bullet, a leading
    timestamp and, on the article's first prose line, a dateline."""
    pos = label_prefix_end(masked, start, end)
    for pattern in (_BULLET, _TIMESTAMP):
        m = pattern.match(masked, pos, end)
        if m and m.end() < end:
            pos = m.end()
    m = _DATELINE.match(masked, pos, end)
    if m and m.end() < end and (first_prose or "(" in m.group()):
        head = masked[pos:m.end()]
        if any(ch.isupper() for ch in head) and head.split(",")[0].strip(" -–—").isupper():
            pos = m.end()
    return strip_span(masked, pos, end)[0]


def prose_lines(text: str, masked: str | None = None) -> Iterator[tuple[int, int]]:
    """(content start, end) of every line of ``text`` that is prose (see the module docstring)."""
    masked = mask(text) if masked is None else masked
    related = False
    first = True
    for ls, le in lines(text):
        raw, plain = text[ls:le], masked[ls:le]
        if _RELATED.match(plain):
            related = True
            continue
        if related and _all_caps(plain):
            continue
        related = False
        if is_boilerplate(raw, plain) or is_caption(raw) or _TAGS.match(plain) or _SECTION.match(plain) \
                or (_BYLINE.match(plain) and len(plain.split()) <= 30):
            continue
        m = _LIVE_SUFFIX.search(masked, ls, le)
        if m and m.start() > ls:
            le = m.start()  # "... – live", "... - as it happened": the page's label, not the headline's words
        start = content_start(masked, ls, le, first_prose=first)
        if start >= le:
            continue
        first = first and not re.search(r"[.!?]", plain)
        yield start, le


def sentences(text: str) -> list[tuple[int, int]]:
    """Every sentence of every prose line: the unit of the ``sentences`` floor."""
    masked = mask(text)
    out = []
    for ls, le in prose_lines(text, masked):
        for s, e in split_sentences(masked, ls, le):
            s, e = trim(text, s, e, masked)
            if e - s > 0 and len(words(masked[s:e])) >= 3:
                out.append((s, e))
    return out
