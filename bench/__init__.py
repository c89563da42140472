"""ClaimBench: an evaluation benchmark for claim-extraction models.

The Python API is in ``bench.api`` and importable from here: ``run``, ``evaluate``,
``compare``, ``leaderboard``, ``errors``, ``report``, ``validate``, ``load_corpus``. It
loads on first use, so ``import bench`` stays light.
"""

import types

from . import errors as _errors
from .version import __version__

API = ("run", "evaluate", "compare", "leaderboard", "errors", "report", "validate", "load_corpus")
__all__ = [*API, "__version__"]


class _ErrorsModule(types.ModuleType):
    """``bench.errors`` is the module of ``InputError`` and ``BenchWarning`` and, called, the API's ``errors``
    (the listing of a run's outcomes): the two share a name, so the module is made callable."""

    def __call__(self, run, **options):
        from .api import errors

        return errors(run, **options)


_errors.__class__ = _ErrorsModule


def __getattr__(name: str):
    if name in API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'bench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
