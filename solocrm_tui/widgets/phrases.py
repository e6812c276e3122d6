"""A strip of phrases that wraps between phrases, never inside one.

The Pipeline's summary is three phrases (the forecast, the last 90 days, this month);
wrapped as one sentence it broke "win rate 75% of 12 · 51" from "days to close". Here
as many whole phrases as fit share a line, and the next one starts the next line.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static

GAP = "   │   "


class Phrases(Static):
    def __init__(self, *phrases: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.phrases = list(phrases)

    def show(self, *phrases: str) -> None:
        self.phrases = list(phrases)
        self.pack()

    def lines(self, width: int) -> list[str]:
        """Whole phrases per line, as many as fit in `width` (a phrase longer than the line
        gets one to itself)."""
        lines: list[str] = []
        for phrase in self.phrases:
            if lines and cell_len(lines[-1] + GAP + phrase) <= width:
                lines[-1] += GAP + phrase
            else:
                lines.append(phrase)
        return lines

    def pack(self) -> None:
        self.update(Content("\n".join(self.lines(self.content_region.width))))

    def on_mount(self) -> None:
        self.pack()

    def on_resize(self) -> None:
        self.pack()
