"""Counts with their noun: `1 customer`, `2,304 customers`, never `1 customers`.

Core builds sentences too (import summaries, undo answers, composer replies), so the
rule lives here, below the domain packages; text/figures offers it to the CLI and TUI.
"""

from __future__ import annotations


def count(number: int, noun: str, plural: str | None = None) -> str:
    """`plural` for the nouns that don't just take an s (`1 entry`, `3 entries`)."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"
