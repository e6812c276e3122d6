"""The composer's session: what was said, what was typed, and what can be taken back.

One object per running app, shared by every screen's composer, so the log, the ↑/↓
history and `/undo` follow the owner from screen to screen. It lives here rather than
as App attributes so the App only routes and the composer only draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

MAX_LINES = 200  # the shared log; each screen's composer draws its tail
MAX_HISTORY = 100
MAX_UNDO = 50

Undo = Callable[[], None]


@dataclass
class ComposerSession:
    lines: list[tuple[str, str]] = field(default_factory=list)  # (text, kind: echo/answer/error/hint)
    history: list[str] = field(default_factory=list)
    undo_stack: list[tuple[str, Undo]] = field(default_factory=list)

    def say(self, text: str, kind: str) -> None:
        self.lines.append((text, kind))
        del self.lines[:-MAX_LINES]

    def remember(self, typed: str) -> None:
        self.history.append(typed)
        del self.history[:-MAX_HISTORY]

    def push_undo(self, label: str, undo: Undo) -> None:
        self.undo_stack.append((label, undo))
        del self.undo_stack[:-MAX_UNDO]

    def pop_undo(self) -> tuple[str, Undo] | None:
        return self.undo_stack.pop() if self.undo_stack else None
