"""ClaimBench: an evaluation benchmark for claim-extraction models.

The Python API is in ``bench.api`` and importable from here: ``run``, ``evaluate``,
``compare``, ``leaderboard``, ``errors``, ``report``, ``validate``, ``load_corpus``. It
loads on first use, so ``import bench`` stays light.
"""

import sys
import types

from .version import __version__

API = ("run", "evaluate", "compare", "leaderboard", "errors", "report", "validate", "load_corpus")
__all__ = [*API, "__version__"]


class _ApiModule(types.ModuleType):
    """A module of the package whose name is also a function of the API (``bench.errors``, the module of
    ``InputError``; ``bench.leaderboard``): calling the module calls the function, and its names stay."""

    def __call__(self, *args, **kwargs):
        from . import api

        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


class _Package(types.ModuleType):
    """The package: a submodule named like an API function is made callable as it is imported (the import
    system then sets it as an attribute here, where the function was found before)."""

    def __setattr__(self, name: str, value) -> None:
        if name in API and type(value) is types.ModuleType:
            value.__class__ = _ApiModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
for _name in API:
    if type(sys.modules.get(f"{__name__}.{_name}")) is types.ModuleType:
        sys.modules[f"{__name__}.{_name}"].__class__ = _ApiModule


def __getattr__(name: str):
    if name in API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'bench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
