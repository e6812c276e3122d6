"""The App: modes, global keys, routing of shared messages, and the worker-error policy.

Screens own their keys and data and the composer's session owns what was said; the
app only switches between screens, routes "data changed" and "find" to the right one,
and turns any failed worker into an error toast so a bad query never takes the app down.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.signal import Signal
from textual.worker import Worker

from solocrm_tui import work
from solocrm_tui.commands import CRMCommands
from solocrm_tui.config import Config
from solocrm_tui.core.contacts.detail import read_detail
from solocrm_tui.idle_gc import IdleCollector
from solocrm_tui.jobs.host import RunsJobs
from solocrm_tui.messages import DataChanged
from solocrm_tui.screens.customers import CustomersScreen
from solocrm_tui.screens.insights import InsightsScreen
from solocrm_tui.screens.pipeline import PipelineScreen
from solocrm_tui.screens.products import ProductsScreen
from solocrm_tui.screens.search import SearchScreen
from solocrm_tui.screens.today import TodayScreen
from solocrm_tui.session import ComposerSession
from solocrm_tui.themes import KeepsTheme

IDLE_CHECK_SECONDS = 1.0  # how often to look for a quiet moment to collect garbage (see idle_gc)


class SoloCRMApp(RunsJobs, KeepsTheme, App):
    CSS_PATH = "app.tcss"
    TITLE = "SoloCRM"
    COMMANDS = App.COMMANDS | {CRMCommands}
    MODES = {"today": TodayScreen, "customers": CustomersScreen, "pipeline": PipelineScreen,
             "insights": InsightsScreen, "products": ProductsScreen}
    BINDINGS = [
        Binding("1", "go('today')", "Today", show=False, id="go.today"),
        Binding("2", "go('customers')", "Customers", show=False, id="go.customers"),
        Binding("3", "go('pipeline')", "Pipeline", show=False, id="go.pipeline"),
        Binding("4", "go('insights')", "Insights", show=False, id="go.insights"),
        Binding("5", "go('products')", "Products", show=False, id="go.products"),
        Binding("slash", "focus_composer", "Composer", id="composer.focus"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="undo"),
        Binding("ctrl+l", "show_log", "Composer log", show=False, id="log"),
        Binding("ctrl+f", "screen.search", "Find anything", show=False, id="search"),
        Binding("question_mark", "toggle_help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, db_path: Path, config: Config | None = None,
                 clock: Callable[[], datetime] | None = None, start_mode: str = "today",
                 with_jobs: bool = True) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.config = config or Config()
        self.clock = clock or (lambda: datetime.now().replace(microsecond=0))
        self.start_mode = start_mode
        self.session = ComposerSession()
        self.sub_title = self.db_path.name
        self.with_jobs = with_jobs
        self.collector = IdleCollector()
        self.data_changed: Signal[DataChanged] = Signal(self, "data-changed")

    def now(self) -> datetime:
        return self.clock()

    def on_mount(self) -> None:
        if self.config.keys:
            self.set_keymap(self.config.keys)
        self.start_theme()
        self.switch_mode(self.start_mode)
        self.call_after_refresh(self.collector.install)
        self.set_interval(IDLE_CHECK_SECONDS, self.collector.collect_if_idle)
        if self.with_jobs:
            self.call_after_refresh(self.start_jobs)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self.collector.touched()
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.collector.uninstall()
        self.stop_jobs()

    def action_go(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)

    def action_focus_composer(self) -> None:
        composer = self.screen.query("#composer-input")
        if composer:
            composer.first().focus()

    def action_add_customer(self) -> None:
        from solocrm_tui.modals.customer_form import edit_customer

        edit_customer(self)

    def action_undo(self) -> None:
        """ctrl+z: the same session undo as `/undo`, answered in the composer's log; focus stays."""
        composer = self.screen.query("Composer")
        if composer:
            composer.first().undo()

    def action_undo_list(self) -> None:
        composer = self.screen.query("Composer")
        if composer:
            composer.first().run("/undo list", None)

    def action_toggle_help(self) -> None:
        """`?` and `/help`: the help screen for the screen beneath it (`?` there closes it)."""
        from solocrm_tui.modals.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    action_show_help_panel = action_toggle_help  # the palette's "Keys" opens the same help screen

    def action_show_log(self) -> None:
        """ctrl+l and `/log`: the whole composer log, scrollable (ctrl+l there closes it)."""
        from solocrm_tui.modals.composer_log import LogScreen

        self.push_screen(LogScreen(self.session.lines))

    def open_customer(self, customer_id: int, focus: tuple[str, int] | None = None) -> None:
        """Read the customer first and push the detail with its data, so the screen's first
        frame already shows the timeline (and the `focus` entry, a search hit, in it); pushed
        on the stack of the screen it was opened from, so Esc returns there."""
        from solocrm_tui.screens.customer import CustomerScreen

        work.load(self, lambda: read_detail(customer_id, focus),
                  lambda detail: self.push_screen(CustomerScreen(customer_id, detail, focus)), group="open-customer")

    def action_search(self, text: str = "") -> None:
        """Find anything, pushed over the screen showing (Esc comes back); see CRMScreen.action_search."""
        self.push_screen(SearchScreen(text))

    def on_data_changed(self, message: DataChanged) -> None:
        self.data_changed.publish(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        work.report_failure(self, event)
