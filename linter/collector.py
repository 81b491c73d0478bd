"""The cyclic garbage collector, paused while one device is checked.

Checking a device builds a few hundred thousand small objects (stanzas, statements, listeners,
timers, probes, simulation branches) that live until the check ends and form no reference
cycles. CPython's cyclic collector runs after every 700 net allocations and walks every young
object each time, then the survivors again as it promotes them: on a 100,000-line bigip.conf
that is about a tenth of the lint, spent finding nothing to free.

Paused for the whole life of the device, it never walks them: reference counting frees them
when the check returns, and CPython subtracts each freed object from the count that triggers
the next collection, so the collector resumes with about as little to do as before the check.
Cycles made meanwhile (rare here) are collected after it resumes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic collector; resume it afterwards only if it was running (a caller that
    paused it keeps it paused)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
