"""Temporary screen."""
from textual.widgets import Static
from solocrm_tui.screens.base import CRMScreen

class InsightsScreen(CRMScreen):
    def compose_body(self):
        yield Static("insights", classes="placeholder")
