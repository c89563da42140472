"""ClaimBench: an evaluation benchmark for claim-extraction models.

The Python API, ``evaluate``, ``compare`` and ``load_corpus``, is in ``bench.api`` and
importable from here; it loads on first use, so ``import bench`` stays light.
"""

__version__ = "0.2.0"
__all__ = ["evaluate", "compare", "load_corpus", "__version__"]


def __getattr__(name: str):
    if name in ("evaluate", "compare", "load_corpus"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'bench' has no attribute {name!r}")
