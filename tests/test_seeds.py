"""The seed articles are byte-identical to the published list of hashes (and to shared/ when present)."""

import hashlib

import pytest
from conftest import ROOT, SEEDS


def _listed():
    rows = (SEEDS / "SHA256SUMS").read_text().split("\n")
    return dict(reversed(line.split()) for line in rows if line.strip())


def test_seed_hashes_match_the_list():
    listed = _listed()
    assert sorted(listed) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert len(listed) == 5
    for name, digest in listed.items():
        assert hashlib.sha256((SEEDS / name).read_bytes()).hexdigest() == digest, name


def test_seeds_equal_the_shared_originals():
    shared = ROOT.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("no shared/seeds beside this checkout")
    for original in shared.glob("*.txt"):
        assert (SEEDS / original.name).read_bytes() == original.read_bytes(), original.name
