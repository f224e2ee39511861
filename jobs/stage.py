"""What the pure stages (parse, reconcile, plan) share: running without the cycle collector."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


def cycle_collection_paused(stage: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run a pure stage with CPython's cyclic garbage collector paused, as it was before.

    The stages build millions of small tuples and lists (cells, rows) that form no cycles, and
    each time enough pile up the collector rescans every live container, the sources' millions
    of cells included: at 100k students that doubled the time of planning. Cycles made during
    the stage are still collected, once it returns.
    """

    @functools.wraps(stage)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return stage(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


@cycle_collection_paused
def made_then_frozen(make: Callable[[], _R]) -> _R:
    """`make()`'s value, made with the collector paused, then kept from it (`gc.freeze`) until
    the caller's `gc.unfreeze()`: a value that lives all a run (the reading) would otherwise be
    rescanned, its million cells, by every collection after it (at 5,000 students, a tenth of
    a no-op rerun's CPU)."""
    value = make()
    gc.freeze()
    return value
