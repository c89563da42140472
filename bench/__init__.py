"""ClaimBench: an evaluation benchmark for claim-extraction models."""

__version__ = "0.1.0"
