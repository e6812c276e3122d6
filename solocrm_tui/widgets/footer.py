"""The footer with `?` and `q` always in sight.

Textual's Footer lays the keys out left to right and cuts what does not fit, and the
app's own keys come last: at 80 columns `? Help` and `q Quit` were never seen. Here they
are pinned on the right beside the palette key, and the screen's keys fill the rest.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PINNED_ACTIONS = ("toggle_help", "quit")


class CRMFooter(Footer):
    def compose(self) -> ComposeResult:
        pinned = []
        for widget in super().compose():
            if isinstance(widget, FooterKey) and (widget.action in PINNED_ACTIONS
                                                  or widget.has_class("-command-palette")):
                pinned.append(widget)
            else:
                yield widget
        if pinned:
            pinned.sort(key=lambda key: key.has_class("-command-palette"))
            with HorizontalGroup(id="footer-pinned"):
                yield from pinned
