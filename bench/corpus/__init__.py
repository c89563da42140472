"""The corpus: documents and gold layers, read from paths or memory and checked (the data layer).

Split by job: ``paths`` (where the shipped data is), ``documents``, ``gold`` (gold files,
aliases, VERSION), ``links`` (the links file format), ``rules`` (what gold must keep),
``load`` (a corpus read and checked), ``hashes`` (what a run records of it), ``hf`` (a
Hugging Face dataset of it, and back).
"""

from .documents import load_documents
from .gold import load_claimants, load_gold
from .hf import to_hf_dataset
from .load import CorpusCheck, load_corpus, read_corpus
from .paths import DEFAULT_DOCS, DEFAULT_GOLD

__all__ = ["CorpusCheck", "DEFAULT_DOCS", "DEFAULT_GOLD", "load_claimants", "load_corpus", "load_documents",
           "load_gold", "read_corpus", "to_hf_dataset"]
