"""Where the shipped data is, and how a run records a path so that it moves with a clone."""

from __future__ import annotations

from pathlib import Path


def _data_root() -> Path:
    """Where the shipped ``gold/`` and ``seeds/`` are: inside the installed package, or the checkout."""
    package = Path(__file__).resolve().parents[1]
    return package if (package / "gold").is_dir() else package.parent


DATA_ROOT = _data_root()
DEFAULT_GOLD = DATA_ROOT / "gold"
DEFAULT_DOCS = DATA_ROOT / "seeds"
# The shipped corpora besides the seeds, by name: (gold, documents). A model may learn from
# "dev-train" beside its fold (``Model.extra_training``); "dev-test" is held out for evaluation.
CORPORA = {
    "dev-train": (DATA_ROOT / "gold" / "dev" / "train" / "gold", DATA_ROOT / "gold" / "dev" / "train" / "docs"),
    "dev-test": (DATA_ROOT / "gold" / "dev" / "test" / "gold", DATA_ROOT / "gold" / "dev" / "test" / "docs"),
}


def recorded_path(path: Path | str) -> str:
    """How a run records a path: relative to the data root when inside it, so runs move with a clone."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(DATA_ROOT).as_posix()
    except ValueError:
        return str(resolved)


def resolve_recorded(path: str) -> Path:
    """The path a run recorded, as a path on this machine."""
    return Path(path) if Path(path).is_absolute() else DATA_ROOT / path


def require(path: Path | str, what: str) -> Path:
    """``path``, or an ``InputError`` saying that the ``what`` is not there."""
    from ..exceptions import InputError

    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} not found", path=path)
    return path


def display(path: Path) -> str:
    """A path as messages show it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
