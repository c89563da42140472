"""Bad input and suspicious input: one exception, one warning category, one way to print them.

An ``InputError`` ends a command with one printable line naming the file, the line and the
field. A ``BenchWarning`` is legal input that may not be what the user meant (predictions
for fewer documents than the gold, an empty model output, a setting a model ignores); it
goes to stderr as ``bench: warning: …`` and into the run's ``results.json``.
"""

from __future__ import annotations

import warnings

# Characters that would break a one-line message: controls, line and paragraph separators.
_BREAKS = {c: f"\\x{c:02x}" for c in range(32)} | {0x7F: "\\x7f"} | {c: f"\\u{c:04x}" for c in (0x85, 0x2028, 0x2029)}


def printable(text: object) -> str:
    """``text`` as one printable line: control characters, separators and lone surrogates escaped."""
    text = str(text).translate(_BREAKS)
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = "".join(f"\\u{ord(ch):04x}" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


def show(value: object, limit: int = 60) -> str:
    """A value quoted for a message: strings in double quotes, cut to ``limit`` characters."""
    if isinstance(value, str):
        cut = value if len(value) <= limit else value[:limit] + "…"
        return f'"{printable(cut)}"'
    text = repr(value)
    return printable(text if len(text) <= limit else text[:limit] + "…")


class InputError(Exception):
    """Bad user input: a file, a line and a field, never a traceback."""

    def __init__(self, message: str, *, path: object = None, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        return printable(f"{where}: {self.message}" if where else self.message)

    def at(self, path: object = None, line: int | None = None) -> InputError:
        """The same problem placed in a file (and line), for readers that learn where late."""
        return InputError(self.message, path=path if path is not None else self.path,
                          line=line if line is not None else self.line)


class FatalError(InputError):
    """A model failure that no later document can escape (a rejected key, a server gone for good): it
    ends the run even under ``--on-error skip``."""


class BenchWarning(UserWarning):
    """Legal but suspicious input; shown as ``bench: warning: …`` by the CLI."""


def warn(message: str) -> str:
    """Raise a ``BenchWarning`` (callers also record the message in their results)."""
    warnings.warn(printable(message), BenchWarning, stacklevel=2)
    return printable(message)
