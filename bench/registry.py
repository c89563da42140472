"""The one place model names are resolved: shipped baselines, entry points, import paths, files.

The shipped baselines are listed once, in ``bench.baselines.MODELS``; installed packages add
models through the ``claimbench.models`` entry-point group; anything else is named as
``module:Class`` or ``path/to/file.py:Class``. A resolved model comes with what the
signature calls its ``code``: nothing for a shipped baseline (ClaimBench's version names it),
the SHA-256 of the module's source file for any other, and the package's version too for an
entry point, so two versions of a model never share a signature.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path

from .exceptions import InputError
from .model import Model

ENTRY_POINT_GROUP = "claimbench.models"
BUILTIN_PACKAGE = "bench.baselines"
CODE_CHARS = 12


@dataclass(frozen=True, slots=True)
class Resolved:
    """A model class, how the user named it, and what the signature says of its code."""

    cls: type[Model]
    spec: str
    code: str | None


def _builtins() -> dict[str, str]:
    return importlib.import_module(BUILTIN_PACKAGE).MODELS


def _entry_points():
    from importlib.metadata import entry_points

    return entry_points(group=ENTRY_POINT_GROUP)


def available() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every model name a user can pass: where it comes from, and its tasks (unknown for entry points)."""
    names = {}
    for name, target in _builtins().items():
        cls = _load_target(name, target)
        names[name] = (target, tuple(cls.tasks))
    for ep in _entry_points():
        names.setdefault(ep.name, (f"{ep.value} (entry point)", ()))
    return dict(sorted(names.items()))


def resolve(spec: str) -> Resolved:
    """The model a user named, or an InputError that says what would work."""
    if not isinstance(spec, str) or not spec.strip():
        raise InputError(f"model {spec!r}: expected a model name, module:Class or path/to/file.py:Class")
    builtin = _builtins().get(spec)
    if builtin is not None:
        return Resolved(_named(_load_target(spec, builtin), spec), spec, None)
    if ":" not in spec:
        for ep in _entry_points():
            if ep.name == spec:
                cls = _checked(spec, _load_entry_point(ep))
                dist = getattr(ep, "dist", None)
                version = f"@{dist.name}-{dist.version}" if dist is not None else ""
                return Resolved(cls, spec, f"{_source_hash(cls)}{version}")
        hint = difflib.get_close_matches(spec, list(available()), n=1)
        suggestion = f'; did you mean "{hint[0]}"?' if hint else ""
        raise InputError(f'unknown model "{spec}" (known: {", ".join(available())}){suggestion}')
    cls = _checked(spec, _load_path(spec))
    return Resolved(cls, spec, _source_hash(cls))


def _named(cls: type[Model], name: str) -> type[Model]:
    if not cls.name:
        cls.name = name
    return cls


def _load_target(name: str, target: str) -> type[Model]:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _source_hash(cls: type) -> str:
    """The SHA-256 of the file that defines ``cls`` (what changes when its code does)."""
    try:
        path = inspect.getsourcefile(cls) or sys.modules[cls.__module__].__file__
        data = Path(path).read_bytes()
    except (TypeError, OSError, KeyError, AttributeError):
        raise InputError(f'model "{cls.__qualname__}": its source file cannot be read, so the signature could '
                         "not name its code") from None
    return hashlib.sha256(data).hexdigest()[:CODE_CHARS]


def _checked(spec: str, obj: object) -> type[Model]:
    if not (inspect.isclass(obj) and issubclass(obj, Model)):
        raise InputError(f'model "{spec}": {obj!r} is not a subclass of bench.model.Model')
    return _named(obj, spec)


def _load_entry_point(ep) -> object:
    try:
        return ep.load()
    except (Exception, SystemExit) as exc:  # a broken plugin must not take the CLI down with a traceback
        raise InputError(f'model "{ep.name}": entry point {ep.value} failed to load: {type(exc).__name__}: {exc}') from None


def _load_path(spec: str) -> object:
    target, _, attr = spec.rpartition(":")
    try:
        if target.endswith(".py"):
            path = Path(target)
            if not path.is_file():
                raise InputError(f'model "{spec}": no such file {target}')
            data = path.read_bytes()
            # one module per file content: two versions of a file never share a module
            name = f"claimbench_user_{path.stem}_{hashlib.sha256(data).hexdigest()[:CODE_CHARS]}"
            module = sys.modules.get(name)
            if module is None:
                module_spec = importlib.util.spec_from_file_location(name, path)
                module = importlib.util.module_from_spec(module_spec)
                sys.modules[name] = module
                try:
                    module_spec.loader.exec_module(module)
                except BaseException:
                    sys.modules.pop(name, None)
                    raise
        else:
            module = importlib.import_module(target)
    except InputError:
        raise
    except (Exception, SystemExit) as exc:  # SyntaxError, ImportError, a sys.exit at import time…
        raise InputError(f'model "{spec}": cannot import {target}: {type(exc).__name__}: {exc}') from None
    if not hasattr(module, attr):
        raise InputError(f'model "{spec}": {target} has no attribute "{attr}"')
    return getattr(module, attr)
