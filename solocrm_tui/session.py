"""The composer's session: what was said, what was typed, and what can be taken back.

One object per running app, shared by every screen's composer, so the log, the ↑/↓
history and `/undo` follow the owner from screen to screen. It lives here rather than
as App attributes so the App only routes and the composer only draws.

The full log keeps every line (ctrl+l shows it); the few lines under each screen show
only the conversation still worth reading, its *tail*: a status line ("searching
customers for …", Tab's options, "still saving") is gone once the owner sends the next
line or changes screen, and an answer leaves the tail after a few quiet minutes, so a
screen never greets the owner with what was said about something else long ago.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_LINES = 500  # the full log; each screen's composer draws the tail
MAX_HISTORY = 100
MAX_UNDO = 50
TAIL_AGE = timedelta(minutes=5)  # an answer older than this has left the tail (not the full log)

Undo = Callable[[], None]


@dataclass(frozen=True, slots=True)
class LogLine:
    text: str
    kind: str  # echo (what was typed), answer, error, hint
    said_at: datetime
    turn: int  # the typed line it answers: each echo starts a new turn
    visit: int  # the screen visit it was said on
    transient: bool = False  # a status, not an answer: leaves the tail at the next turn or screen


@dataclass
class ComposerSession:
    log: list[LogLine] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    undo_stack: list[tuple[str, Undo]] = field(default_factory=list)
    turn: int = 0
    visit: int = 0
    _screen: int | None = None

    @property
    def lines(self) -> list[tuple[str, str]]:
        """The full log as (text, kind), oldest first."""
        return [(line.text, line.kind) for line in self.log]

    def say(self, text: str, kind: str, now: datetime, *, transient: bool = False) -> None:
        if kind == "echo":
            self.turn += 1
        self.log.append(LogLine(text, kind, now, self.turn, self.visit, transient))
        del self.log[:-MAX_LINES]

    def drop_hints(self) -> None:
        """Tab's list of candidates is answered by the next Tab: a stale list would name
        products or people the owner has moved past."""
        self.log = [line for line in self.log if not (line.kind == "hint" and line.transient)]

    def entered(self, screen: int) -> None:
        """A composer became visible on `screen` (an identity): a different screen than
        the last one starts a new visit, which drops the status lines from the tail."""
        if screen != self._screen:
            self._screen = screen
            self.visit += 1

    def tail(self, now: datetime) -> list[LogLine]:
        """The lines the small log under a screen shows. What was typed stays as long as
        something said about it does (or while it is still being answered), so a command
        whose only answer was a status (`/go`) leaves with that status, and one that opened
        a screen instead of answering (`/find`, `/help`) leaves with its turn."""
        kept = {index for index, line in enumerate(self.log) if line.kind != "echo" and self._in_tail(line, now)}
        answered = {self.log[index].turn for index in kept}
        return [line for index, line in enumerate(self.log)
                if index in kept or line.kind == "echo" and (line.turn in answered or self._pending(line, now))]

    def _in_tail(self, line: LogLine, now: datetime) -> bool:
        if line.transient:
            return line.turn == self.turn and line.visit == self.visit
        return now - line.said_at <= TAIL_AGE

    def _pending(self, echo: LogLine, now: datetime) -> bool:
        return echo.turn == self.turn and echo.visit == self.visit and now - echo.said_at <= TAIL_AGE

    def remember(self, typed: str) -> None:
        self.history.append(typed)
        del self.history[:-MAX_HISTORY]

    def push_undo(self, label: str, undo: Undo) -> None:
        self.undo_stack.append((label, undo))
        del self.undo_stack[:-MAX_UNDO]

    def pop_undo(self) -> tuple[str, Undo] | None:
        return self.undo_stack.pop() if self.undo_stack else None
