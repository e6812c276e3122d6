"""The App: modes, global keys, the composer's undo stack and the worker-error policy.

Screens own their keys and data; the app only switches between them, routes
"data changed" to the visible screen, and turns any failed worker into an error
toast so a bad query never takes the app down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from solocrm_tui.commands import CRMCommands
from solocrm_tui.config import Config
from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.storage.db import db_call
from solocrm_tui.idle_gc import IdleCollector
from solocrm_tui.messages import DataChanged
from solocrm_tui.screens.customers import CustomersScreen
from solocrm_tui.screens.insights import InsightsScreen
from solocrm_tui.screens.pipeline import PipelineScreen
from solocrm_tui.screens.today import TodayScreen

if TYPE_CHECKING:
    from solocrm_tui.jobs.scheduling import JobRunner

log = logging.getLogger("solocrm")
IDLE_CHECK_SECONDS = 1.0  # how often to look for a quiet moment to collect garbage (see idle_gc)


class SoloCRMApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "SoloCRM"
    COMMANDS = App.COMMANDS | {CRMCommands}
    MODES = {"today": TodayScreen, "customers": CustomersScreen, "pipeline": PipelineScreen,
             "insights": InsightsScreen}
    BINDINGS = [
        Binding("1", "go('today')", "Today", show=False, id="go.today"),
        Binding("2", "go('customers')", "Customers", show=False, id="go.customers"),
        Binding("3", "go('pipeline')", "Pipeline", show=False, id="go.pipeline"),
        Binding("4", "go('insights')", "Insights", show=False, id="go.insights"),
        Binding("slash", "focus_composer", "Composer", id="composer.focus"),
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
        self.undo_stack: list[tuple[str, Callable[[], None]]] = []
        self.composer_lines: list[tuple[str, str]] = []
        self.composer_history: list[str] = []
        self.sub_title = self.db_path.name
        self.with_jobs = with_jobs
        self.jobs: JobRunner | None = None
        self.collector = IdleCollector()

    def now(self) -> datetime:
        return self.clock()

    def on_mount(self) -> None:
        if self.config.keys:
            self.set_keymap(self.config.keys)
        self.switch_mode(self.start_mode)
        self.call_after_refresh(self.collector.install)
        self.set_interval(IDLE_CHECK_SECONDS, self.collector.collect_if_idle)
        if self.with_jobs:
            self.call_after_refresh(self.start_jobs)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self.collector.touched()
        await super().on_event(event)

    def start_jobs(self) -> None:
        """After the first frame: the scheduler is not needed to draw it, so it costs no start-up time."""
        from solocrm_tui.jobs.schedule import build_runner

        self.jobs = build_runner(self)
        self.jobs.start()
        self.set_interval(5, self.refresh_health)

    def on_unmount(self) -> None:
        self.collector.uninstall()
        if self.jobs is not None:
            self.jobs.stop()

    def refresh_health(self) -> None:
        """Header: database name and whether the background jobs are alive."""
        from solocrm_tui.jobs.schedule import health_text

        health = health_text(self.jobs) if self.jobs is not None else ""
        self.sub_title = f"{self.db_path.name} · {health}" if health else self.db_path.name

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
        self.action_focus_composer()
        composer = self.screen.query("Composer")
        if composer:
            composer.first().run("/undo", None)

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def open_customer(self, customer_id: int) -> None:
        """Read the customer first and push the detail with its data, so the screen's first
        frame already shows the timeline (pushing first and loading after cost a frame or two)."""
        self._read_customer(customer_id)

    @work(thread=True, exclusive=True, group="open-customer", exit_on_error=False)
    def _read_customer(self, customer_id: int) -> None:
        from solocrm_tui.screens.customer import read_detail

        detail = db_call(read_detail, customer_id)
        self.call_from_thread(self._push_customer, detail)

    def _push_customer(self, detail) -> None:
        from solocrm_tui.screens.customer import CustomerScreen

        if self.current_mode != "customers":
            self.switch_mode("customers")
        self.push_screen(CustomerScreen(detail.record.id, detail))

    def show_search(self, text: str) -> None:
        """/find: show the customer list filtered by `text`."""
        self.action_go("customers")
        while not hasattr(self.screen, "set_filter"):
            self.pop_screen()
        self.screen.set_filter(text)

    def on_data_changed(self, message: DataChanged) -> None:
        reload = getattr(self.screen, "reload", None)
        if reload is not None:
            reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_failed_worker(event)

    def report_failed_worker(self, event: Worker.StateChanged) -> None:
        """One policy for every failed worker: an error toast, never a crash.

        Worker state messages do not bubble, so screens and widgets that own workers
        forward theirs here (see messages.ReportWorkerErrors).
        """
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, CRMError):
            self.notify(str(error), severity="error", title="Not done")
        else:
            log.error("worker %s failed", event.worker.name, exc_info=error)
            self.notify(f"{type(error).__name__}: {error}", severity="error", title="Something went wrong")
