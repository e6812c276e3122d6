"""Telling the owner a follow-up is due: toast, terminal bell, desktop notification.

OSC 9 (iTerm2, WezTerm, Windows Terminal, foot, kitty) and OSC 777 (urxvt, VTE/GNOME
terminals, Ghostty) are escape sequences the owner's own terminal turns into a
desktop notification; they travel through SSH like any other output, which is why
they work where a server-side notifier cannot. tmux keeps OSC sequences it does not
know to itself, so inside tmux ($TMUX set) the sequence goes in tmux's DCS passthrough
(which also needs `set -g allow-passthrough on` in tmux 3.3 and later).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from solocrm_tui.core.storage.records import FollowUp
from solocrm_tui.messages import DataChanged

MAX_TOASTS = 4


def desktop_sequence(style: str, title: str, body: str, *, env: Mapping[str, str] | None = None) -> str:
    """The escape sequence for one desktop notification, or '' when switched off;
    `env` (default: this process's environment) says whether it runs inside tmux."""
    clean = lambda text: "".join(ch for ch in text if ch.isprintable() and ch != ";")[:200]  # noqa: E731
    if style == "osc9":
        sequence = f"\x1b]9;{clean(title)}: {clean(body)}\x07"
    elif style == "osc777":
        sequence = f"\x1b]777;notify;{clean(title)};{clean(body)}\x07"
    else:
        return ""
    if (os.environ if env is None else env).get("TMUX"):
        return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence


def describe(followup: FollowUp) -> str:
    who = f" — {followup.customer_name}" if followup.customer_name else ""
    return f"{followup.title}{who}"


def deliver(app, claimed: list[FollowUp], *, catch_up: bool = False) -> None:
    """Show freshly claimed reminders; on start-up, missed ones are summarised in one toast."""
    if not claimed:
        return
    settings = app.config.notifications
    if catch_up:
        title = "While you were away"
        body = (f"{len(claimed)} follow-ups came due while you were away" if len(claimed) > 1
                else f"a follow-up came due while you were away: {describe(claimed[0])}")
        app.notify(body, title=title, timeout=20, markup=False)
    else:
        title = "Follow-up due"
        for followup in claimed[:MAX_TOASTS]:
            app.notify(describe(followup), title=title, timeout=30, markup=False)
        if len(claimed) > MAX_TOASTS:
            app.notify(f"and {len(claimed) - MAX_TOASTS} more on the Today screen", title=title, markup=False)
        body = describe(claimed[0]) if len(claimed) == 1 else f"{len(claimed)} follow-ups are due"
    if settings.bell:
        app.bell()
    sequence = desktop_sequence(settings.desktop, "SoloCRM", body)
    if sequence and not app.is_headless and app._driver is not None:
        app._driver.write(sequence)
    app.post_message(DataChanged())
