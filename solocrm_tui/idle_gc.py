"""Full garbage collections at quiet moments instead of in the middle of a keystroke.

Textual's widgets, strips and caches point at each other (parent and child, pump and
task), so a closed screen is freed only by Python's cycle collector, and a full
collection in this app takes 100–250 ms on a small machine. Python starts one after
every ten young collections, which while a customer opens means one open in four
stalls by that much. Here full collections run when the owner has not typed or clicked
for a second; Python's own trigger stays as a safety net at twenty times its usual
spacing, so memory stays bounded even without a pause. What the app built before its
first frame is frozen out of collections altogether: it lives as long as the app does.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

FULL_EVERY = 200  # young collections between automatic full collections (Python's default: 10)
IDLE_AFTER = 1.0  # seconds without input before a full collection may run
WORTH_IT = 10  # young collections since the last full one before an idle one is worth running


class IdleCollector:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last_input = clock()
        self._threshold: tuple[int, int, int] | None = None
        self.collections = 0

    def install(self) -> None:
        """After the first frame: freeze what exists and move full collections to idle time."""
        self._threshold = gc.get_threshold()
        gc.freeze()
        young, middle, _ = self._threshold
        gc.set_threshold(young, middle, FULL_EVERY)

    def uninstall(self) -> None:
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)
            gc.unfreeze()
            self._threshold = None

    def touched(self) -> None:
        """The owner pressed a key or used the mouse."""
        self.last_input = self.clock()

    def due(self) -> bool:
        return self.clock() - self.last_input >= IDLE_AFTER and gc.get_count()[2] >= WORTH_IT

    def collect_if_idle(self) -> bool:
        if not self.due():
            return False
        gc.collect()
        self.collections += 1
        return True
