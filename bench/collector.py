"""Python's cyclic garbage collector paused while a corpus and its scores are built.

Reading and scoring a large corpus makes millions of objects that hold no reference cycle
(lists of records, documents, arrays). Automatic collection, started by the count of
allocations, traverses all that is alive again and again for nothing: about a tenth of the
CPU time of ``bench score`` at 400,000 claims. ``paused`` turns automatic collection off for
the duration and back on after, and only if it was on, so nesting and a caller's own
``gc.disable()`` are kept. Reference counting frees everything as usual meanwhile; a cycle
made meanwhile waits for the next collection. It is a setting of the whole process, so only
the ``bench score`` command uses it, in its own process, where no model runs; the library
and the Python API never touch it.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused():
    """Automatic garbage collection off inside the block (as it was, after)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
