"""The one place model names are resolved: registered names, entry points, import paths.

Shipped baselines register with ``@register_model``; installed packages add models through
the ``claimbench.models`` entry-point group; anything else is named as ``module:Class`` or
``path/to/file.py:Class``.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

from .errors import InputError
from .model import Model

ENTRY_POINT_GROUP = "claimbench.models"
BUILTIN_PACKAGE = "bench.baselines"  # its MODULES says which module registers each shipped model


class Registry:
    def __init__(self) -> None:
        self._models: dict[str, type[Model]] = {}

    def register(self, name: str) -> Callable[[type[Model]], type[Model]]:
        def decorate(cls: type[Model]) -> type[Model]:
            if not (inspect.isclass(cls) and issubclass(cls, Model)):
                raise TypeError(f"model {name!r}: {cls!r} must subclass bench.model.Model")
            if name in self._models and self._models[name] is not cls:
                raise ValueError(f"model name {name!r} is already registered by {self._models[name].__qualname__}")
            cls.name = name
            self._models[name] = cls
            return cls

        return decorate

    def _load_builtins(self, name: str | None = None) -> None:
        """Import the module of the shipped model ``name`` (every one when None), which registers it."""
        modules = importlib.import_module(BUILTIN_PACKAGE).MODULES
        for model, module in modules.items():
            if name is None or model == name:
                importlib.import_module(f"{BUILTIN_PACKAGE}.{module}")

    def available(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Every model name a user can pass: where it comes from, and its tasks (unknown for entry points)."""
        self._load_builtins()
        names = {name: (f"{cls.__module__}:{cls.__qualname__}", tuple(cls.tasks)) for name, cls in self._models.items()}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            names.setdefault(ep.name, (f"{ep.value} (entry point)", ()))
        return dict(sorted(names.items()))

    def resolve(self, spec: str) -> type[Model]:
        """The model class a user named, or an InputError that says what would work."""
        self._load_builtins(spec)
        if spec in self._models:
            return self._models[spec]
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name == spec:
                return self._checked(spec, _load_entry_point(ep))
        if ":" in spec:
            return self._checked(spec, _load_path(spec))
        hint = difflib.get_close_matches(spec, list(self.available()), n=1)
        suggestion = f'; did you mean "{hint[0]}"?' if hint else ""
        known = ", ".join(self.available())
        raise InputError(f'unknown model "{spec}" (known: {known}){suggestion}')

    @staticmethod
    def _checked(spec: str, obj: object) -> type[Model]:
        if not (inspect.isclass(obj) and issubclass(obj, Model)):
            raise InputError(f'model "{spec}": {obj!r} is not a subclass of bench.model.Model')
        if not obj.name:
            obj.name = spec
        return obj


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
            name = f"claimbench_user_{path.stem}"
            module_spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except InputError:
        raise
    except (Exception, SystemExit) as exc:  # SyntaxError, ImportError, a sys.exit at import time…
        raise InputError(f'model "{spec}": cannot import {target}: {type(exc).__name__}: {exc}') from None
    if not hasattr(module, attr):
        raise InputError(f'model "{spec}": {target} has no attribute "{attr}"')
    return getattr(module, attr)


MODELS = Registry()
register_model = MODELS.register
