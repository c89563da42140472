"""No credential is ever written or printed: what a run records of a URL, an argument or a message.

A URL keeps its scheme, host, port and path; user-info (``user:password@``) is replaced by
``***@`` and the value of every query parameter whose name looks secret (key, token,
secret, password, signature, auth, …) by ``***``. ``redact`` applies this to every URL
inside a text, and ``without`` removes a known secret (the API key in use) wherever it occurs.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")
_SECRET_NAME = re.compile(r"key|token|secret|passw|pwd|auth|signature|sig$|credential|session", re.IGNORECASE)


def redact_url(url: str) -> str:
    """``url`` with its user-info and secret-looking query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if _SECRET_NAME.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact(text: object) -> object:
    """A string with every URL in it redacted; anything else as it is."""
    if not isinstance(text, str) or "://" not in text:
        return text
    return _URL.sub(lambda m: redact_url(m.group()), text)


def without(text: str, secret: str | None) -> str:
    """``text`` with ``secret`` (a key in use) masked wherever it occurs."""
    return text.replace(secret, MASK) if secret else text
