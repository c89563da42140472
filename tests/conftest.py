import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "gold"
SEEDS = ROOT / "seeds"

collect_ignore = ["perf"]


@pytest.fixture
def gold_copy(tmp_path):
    """A writable copy of the gold and the seeds, for tests that corrupt them."""
    shutil.copytree(GOLD, tmp_path / "gold", ignore=shutil.ignore_patterns("annotations"))
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path
