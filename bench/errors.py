"""One exception type for bad input, so the CLI can print one line and exit non-zero."""

from __future__ import annotations


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
        return f"{where}: {self.message}" if where else self.message
