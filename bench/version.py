"""ClaimBench's version: in every signature and run, so a result names the code that made it."""

__version__ = "0.4.0"
