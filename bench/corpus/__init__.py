"""The corpus: documents and gold layers, read from paths or memory and checked (the data layer).

Split by job: ``paths`` (where the shipped data is), ``documents``, ``gold`` (gold files,
aliases, VERSION), ``links`` (the links file format), ``rules`` (what gold must keep),
``sources`` (gold from files or memory), ``load`` (a corpus read and checked), ``hashes``
(what a run records of it), ``hf`` (a Hugging Face dataset of it, and back). The names below
load on first use, so importing one module of the package loads no other.
"""

import importlib

_WHERE = {"load_documents": "documents", "load_claimants": "gold", "load_gold": "gold", "to_hf_dataset": "hf",
          "CorpusCheck": "load", "load_corpus": "load", "read_corpus": "load", "DEFAULT_DOCS": "paths",
          "DEFAULT_GOLD": "paths"}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
