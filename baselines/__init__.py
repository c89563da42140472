"""Shipped baselines. Importing this package registers them; heavy libraries load only when a model runs."""

from . import rules, sentences, transformer  # noqa: F401  (registration side effect)
