"""ClaimBench: an evaluation benchmark for claim-extraction models.

The Python API is in ``bench.api`` and importable from here: ``run``, ``evaluate``,
``merge``, ``compare``, ``leaderboard``, ``errors``, ``report``, ``validate``, ``load_corpus``. It
loads on first use, so ``import bench`` stays light.
"""

from .version import __version__

API = ("run", "evaluate", "merge", "compare", "leaderboard", "errors", "report", "validate", "load_corpus")
__all__ = [*API, "InputError", "BenchWarning", "__version__"]


def __getattr__(name: str):
    if name in API:
        from . import api

        return getattr(api, name)
    if name in ("InputError", "BenchWarning"):
        from . import exceptions

        return getattr(exceptions, name)
    raise AttributeError(f"module 'bench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
