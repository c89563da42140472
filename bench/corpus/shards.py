"""Which shard of a corpus a document falls in: a stable digest of its id, never Python's salted ``hash``.

A run split ``--shard K/N`` predicts the documents of shard K only; shards 1..N are disjoint
and cover the corpus, whatever the machine, the process or the order of the documents, so
their runs merge into the run one process makes (``bench.shards``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..exceptions import InputError

MAX_SHARDS = 100_000
EXECUTORS = ("local", "ray")  # where a run's shards are run: this process, or Ray tasks (bench.distributed)
_SPEC = re.compile(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*")


def shard_index(doc_id: str, n: int) -> int:
    """The 0-based shard of ``doc_id`` among ``n``: the first 8 bytes of its UTF-8 SHA-256, modulo ``n``."""
    digest = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % n


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``k`` (1-based) of ``n``."""

    k: int
    n: int

    @classmethod
    def parse(cls, text: object) -> Shard:
        if isinstance(text, Shard):
            return text
        found = _SPEC.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            raise InputError(f"--shard {text!r}: expected K/N, shard K of N (for example 2/8)")
        k, n = int(found.group(1)), int(found.group(2))
        if not 1 <= n <= MAX_SHARDS or not 1 <= k <= n:
            raise InputError(f"--shard {k}/{n}: K must be from 1 to N, and N from 1 to {MAX_SHARDS:,}")
        return cls(k, n)

    def __str__(self) -> str:
        return f"{self.k}/{self.n}"

    def holds(self, doc_id: str) -> bool:
        return shard_index(doc_id, self.n) == self.k - 1

    def of(self, doc_ids: list[str]) -> list[str]:
        """The ids of ``doc_ids`` in this shard, in their order."""
        return [d for d in doc_ids if self.holds(d)]
