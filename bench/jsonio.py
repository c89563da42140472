"""The one way ClaimBench reads and writes its files.

Reading. A file is read as bytes and must be UTF-8. A JSONL file is split at ``\\n`` only
(never at U+2028, U+2029 or U+0085, which are legal inside JSON strings), blank lines are
skipped, and **every line is decoded on its own** by msgspec, which also checks the line
against a typed schema in the same C pass (a file of one object a line, the usual case, is
decoded in one call that gives exactly what decoding each line would). JSON here is strict: no NaN or Infinity, no
integers beyond 64-bit range where an integer is expected, no lone surrogates, no control
characters inside strings, no trailing data. When a line fails, it is decoded again without a schema and
``explain`` (from ``bench.checks``) says what is wrong in words, so a message reads the
same whatever the fast path did.

Writing. Files are written whole or not at all: into a temporary file beside the target,
flushed and synced, then renamed over nothing (a new name) or over the file it replaces.
``write_replacing`` replaces only a file that a test proves replaceable, and decides on the
file after taking it away from its name, so a file that appears meanwhile is never lost.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

import msgspec

from .exceptions import InputError

Explain = Callable[[object], str | None]
_SCAN = 1 << 24  # bytes of a file looked at at a time


# ---------------------------------------------------------------- reading

def read_bytes(path: Path | str) -> bytes:
    path = Path(path)
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise InputError("is a folder, expected a file", path=path) from None
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from None


def decode_utf8(data: bytes, path: Path | str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"not valid UTF-8 (byte {exc.start})", path=path, line=line) from None


def read_text(path: Path | str) -> str:
    return decode_utf8(read_bytes(path), path)


_LONE_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})")  # no low half after


def _message(exc: Exception, raw: bytes, explain: Explain | None) -> str:
    """Words for a line msgspec refused."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"not valid UTF-8 (byte {bad.start})"
    if isinstance(exc, RecursionError):
        return "invalid JSON: nested too deeply"
    if isinstance(exc, msgspec.ValidationError):
        try:
            generic = msgspec.json.decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            generic = None
        found = explain(generic) if explain is not None and generic is not None else None
        return found or _schema_words(str(exc))
    text = str(exc).replace("JSON is malformed: ", "")
    lone = _LONE_SURROGATE.search(raw.decode("utf-8"))
    if lone and text == "Input data was truncated":  # what msgspec says of a lone surrogate escape
        return f"invalid JSON: the escape {lone.group()} is half of a surrogate pair, not a character"
    if text.startswith("Invalid UTF-8"):
        return "not valid UTF-8"
    if "(byte " in text:
        head, _, tail = text.rpartition("(byte ")
        byte = int(tail.rstrip(")") or 0)
        column = len(raw[:byte].decode("utf-8", "replace")) + 1
        return f"invalid JSON: {head.strip()} (column {column})"
    return f"invalid JSON: {text}"


def _schema_words(text: str) -> str:
    """msgspec's own words, with its ``$.field`` path turned into a field name."""
    message, _, where = text.partition(" - at `")
    where = where.rstrip("`").removeprefix("$").lstrip(".")
    return f'field "{where}": {message[:1].lower()}{message[1:]}' if where else message


def decode_one(raw: bytes, decoder: msgspec.json.Decoder, explain: Explain | None = None) -> object:
    """One JSON value through ``decoder``; an ``InputError`` without a place when it fails."""
    try:
        return decoder.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise InputError(_message(exc, raw, explain)) from None


def split_lines(data: bytes) -> tuple[list[bytes], list[int] | None]:
    """The non-blank lines of a JSONL buffer, and their 1-based numbers (None: every line, in order)."""
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    if all(line and not line.isspace() for line in lines):
        return lines, None
    numbers = [n for n, line in enumerate(lines, start=1) if line and not line.isspace()]
    return [lines[n - 1] for n in numbers], numbers


def decode_lines(path: Path | str, decoder: msgspec.json.Decoder, explain: Explain | None = None,
                 *, data: bytes | None = None) -> tuple[list, list[int] | None]:
    """Every non-blank line of a JSONL file decoded alone, and the line numbers (None: 1..n).

    One C call for a file of one object a line, else one per line; the first bad line raises
    an ``InputError`` naming file and line.
    """
    data = read_bytes(path) if data is None else data
    count = _object_lines(data)
    if count:  # one object a line: msgspec reads them all in one call
        try:
            values = decoder.decode_lines(data)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            values = None
        if values is not None and len(values) == count:
            return values, None
    lines, numbers = split_lines(data)
    try:
        return list(map(decoder.decode, lines)), numbers
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        pass
    for k, raw in enumerate(lines):
        try:
            decoder.decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
            number = k + 1 if numbers is None else numbers[k]
            raise InputError(_message(exc, raw, explain), path=path, line=number) from None
    raise AssertionError("a line failed in bulk but not alone")  # pragma: no cover


def _object_lines(data: bytes) -> int:
    """How many lines ``data`` has when every line starts with ``{`` and ends with ``}`` (0 otherwise).

    Then no JSON value can run over two lines (after a ``}`` comes ``,``, ``}`` or ``]``,
    never ``{``), so a bulk decode that finds as many values as lines found one on each line,
    exactly what decoding line by line finds."""
    if not data.startswith(b"{"):
        return 0
    import numpy as np

    chars = np.frombuffer(data, np.uint8)
    breaks = 0
    for lo in range(0, len(chars), _SCAN):  # a slice at a time: no copy of the whole file
        at = np.flatnonzero(chars[lo:lo + _SCAN] == 10) + lo
        after = at[at + 1 < len(chars)] + 1
        if (chars[at - 1] != 125).any() or (chars[after] != 123).any():  # "}" before, "{" after each break
            return 0
        breaks += len(at)
    if chars[-1] == 10:
        return breaks
    return breaks + 1 if chars[-1] == 125 else 0


def decode_file(path: Path | str, decoder: msgspec.json.Decoder, explain: Explain | None = None) -> object:
    """A whole JSON file through ``decoder``; errors name the file and the line."""
    data = read_bytes(path)
    try:
        return decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        line = None
        text = str(exc)
        if "(byte " in text:
            byte = int(text.rpartition("(byte ")[2].rstrip(")") or 0)
            line = data.count(b"\n", 0, byte) + 1
        raise InputError(_message(exc, data, explain), path=path, line=line) from None


def line_number(numbers: list[int] | None, index: int) -> int:
    return index + 1 if numbers is None else numbers[index]


def line_problems(path: Path | str, check: Callable[[bytes], str | None], *, limit: int = 20) -> list[str]:
    """Every problem of a JSONL predictions file, ``FILE:LINE: problem`` each, at most ``limit``
    (``bench score --check``); ``check`` takes a raw line and returns its problem or raises InputError."""
    lines, numbers = split_lines(read_bytes(path))
    problems = []
    for index, raw in enumerate(lines):
        try:
            problem = check(raw)
        except InputError as exc:
            problem = exc.message
        if problem:
            problems.append(f"{path}:{line_number(numbers, index)}: {problem}")
            if len(problems) >= limit:
                break
    return problems


# ---------------------------------------------------------------- writing

def _enc_hook(obj: object) -> object:
    item = getattr(obj, "item", None)  # numpy scalars
    if item is not None:
        return item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


_ENCODER = msgspec.json.Encoder(enc_hook=_enc_hook)  # keys in the order the dicts were built


def to_json(obj: object, *, indent: bool = False) -> bytes:
    """Standard JSON (NaN and infinities are written as null)."""
    data = _ENCODER.encode(obj)
    return msgspec.json.format(data, indent=2) + b"\n" if indent else data


def to_jsonl(rows: Iterable[object]) -> bytes:
    """One JSON value a line, each line ending in ``\\n``."""
    return _ENCODER.encode_lines(rows if isinstance(rows, list) else list(rows))


def write_error(exc: OSError, path: Path | str) -> InputError:
    """One line for a failed write: a full disk, a read-only place, a name too long."""
    reasons = {
        errno.ENOSPC: "no space left on the device",
        errno.EROFS: "read-only file system",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.ENAMETOOLONG: "file name too long",
        errno.EDQUOT: "disk quota exceeded",
    }
    reason = reasons.get(exc.errno, exc.strerror or str(exc))
    return InputError(f"cannot write: {reason}", path=path)


def _fresh(folder: Path, prefix: str, suffix: str, make) -> Path:
    """A new name in ``folder`` made by ``make(path)`` (which fails if it exists), as mkstemp finds one,
    but created with the modes a user's file gets (the umask applies; nothing reads or changes it)."""
    for _ in range(100):
        path = folder / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            make(path)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))


def fresh_folder(folder: Path, prefix: str, suffix: str) -> Path:
    """A new, empty folder under a random name (mode 0o777 less the umask)."""
    return _fresh(Path(folder), prefix, suffix, lambda path: os.mkdir(path, 0o777))


@contextmanager
def _staged(path: Path, data: bytes):
    """``data`` in a new hidden file beside ``path``, synced; removed afterwards unless it was renamed away."""
    tmp = _fresh(path.parent, f".{path.name[:40]}.", ".partial",
                 lambda p: os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)))
    try:
        write_synced(tmp, data)
        yield tmp
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def write_atomic(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (temporary file, fsync, rename)."""
    path = Path(path)
    try:
        with _staged(path, data) as tmp:
            os.replace(tmp, path)
        return path
    except OSError as exc:
        raise write_error(exc, path) from None


class NotReplaceable(Exception):
    """The file at a target is not one ``write_replacing`` may replace; it is left where it was."""


def write_replacing(path: Path | str, data: bytes, replaceable: Callable[[bytes], bool]) -> Path:
    """Write ``data`` at ``path`` whole; a file already there is replaced only when ``replaceable(its bytes)``.

    The new file is linked into place, which fails if the name is taken, so nothing is ever
    overwritten by accident. A file in the way is first renamed aside (atomic) and only then
    read and judged: what is judged is exactly what would be lost. A file that may not be
    replaced is put back (``NotReplaceable``); one that appears at the name meanwhile is left
    alone (``NotReplaceable`` too) and the earlier one, proven replaceable, is removed.
    """
    path = Path(path)
    try:
        with _staged(path, data) as tmp:
            for _ in range(10):
                if _place(tmp, path, data):
                    return path
                aside = path.parent / f".{path.name[:40]}.{secrets.token_hex(6)}.old"
                try:
                    if not _is_file(path):
                        raise NotReplaceable(path)
                    os.rename(path, aside)
                except FileNotFoundError:
                    continue  # it went away meanwhile: try again
                try:
                    ok = _is_file(aside) and replaceable(_read_all(aside))
                except OSError:
                    ok = False
                if not ok:
                    _put_back(aside, path)
                    raise NotReplaceable(path)
                placed = _place(tmp, path, data)
                os.unlink(aside)
                if not placed:
                    raise NotReplaceable(path)
                return path
            raise NotReplaceable(path)
    except OSError as exc:
        raise write_error(exc, path) from None


def _is_file(path: Path) -> bool:
    import stat

    return stat.S_ISREG(os.lstat(path).st_mode)


def _read_all(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _place(tmp: Path, path: Path, data: bytes) -> bool:
    """Give ``tmp``'s content the name ``path`` if it is free (False if taken): a hard link, or where the
    file system has none, a file created exclusively."""
    try:
        os.link(tmp, path, follow_symlinks=False)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV):
            raise
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    with os.fdopen(handle, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return True


def _put_back(aside: Path, path: Path) -> None:
    """Return a file taken aside to its name, unless another took the name meanwhile (then it stays aside)."""
    try:
        os.link(aside, path, follow_symlinks=False)
    except FileExistsError:
        raise InputError(f"another file appeared at the target meanwhile; the file that was there is kept as "
                         f"{aside}", path=path) from None
    except OSError:
        if os.path.lexists(path):
            raise InputError(f"the file that was there is kept as {aside}", path=path) from None
        os.rename(aside, path)
        return
    os.unlink(aside)


def write_synced(path: Path, data: bytes) -> None:
    """Write a file and sync it to the disk."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


_SORTED = msgspec.json.Encoder(order="sorted")


def json_sha256(payload: object) -> str:
    """SHA-256 of a JSON-able value, independent of dict order."""
    import hashlib

    return hashlib.sha256(_SORTED.encode(payload)).hexdigest()
