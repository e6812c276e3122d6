"""work.py, the one path from the UI to core: results reach the UI thread, superseded loads
stay silent, refused writes are one toast and no DataChanged, bugs reach the error policy."""

from __future__ import annotations

import threading

from solocrm_tui import work
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.messages import DataChanged

from .conftest import Notes, settle, wait_until

SIZE = (120, 35)


class Seen(Notes):
    """Notifications and DataChanged messages, in the order the app handled them."""

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[DataChanged] = []

    def __call__(self, message) -> None:
        super().__call__(message)
        if isinstance(message, DataChanged) and message not in self.changes:
            self.changes.append(message)


async def test_load_hands_the_result_to_the_ui_thread(db_path, make_app):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        got: list[tuple[int, int]] = []
        work.load(app.screen, threading.get_ident, lambda ident: got.append((ident, threading.get_ident())),
                  group="t")
        await wait_until(pilot, lambda: got, "the callback")
        (read_on, called_back_on), ui_thread = got[0], threading.get_ident()
        assert read_on != ui_thread and called_back_on == ui_thread


async def test_a_superseded_load_never_calls_back(db_path, make_app):
    app = make_app("today")
    release = threading.Event()
    got: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def slow() -> str:
            assert release.wait(60)
            return "old"

        work.load(app.screen, slow, got.append, group="search")
        work.load(app.screen, lambda: "new", got.append, group="search")
        release.set()
        await settle(pilot)
        assert got == ["new"]


async def test_apply_change_announces_what_changed(db_path, make_app):
    app = make_app("today")
    seen = Seen()
    results: list[int] = []
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await settle(pilot)
        work.apply_change(app.screen, lambda: 42, what="orders", customer_id=7, done=lambda n: f"{n} saved",
                          then=results.append)
        await settle(pilot)
        assert results == [42]
        assert seen.texts() == ["42 saved"]
        assert [(c.customer_id, c.what) for c in seen.changes] == [(7, frozenset({"orders"}))]


async def test_a_refused_change_is_one_toast_and_announces_nothing(db_path, make_app):
    app = make_app("today")
    seen = Seen()
    refused: list[str] = []

    def write() -> None:
        raise ValidationError("amount must not be negative")

    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await settle(pilot)
        work.apply_change(app.screen, write, what="orders", done="saved", refused=lambda e: refused.append(str(e)))
        await settle(pilot)
        assert [(n.title, n.message, n.severity) for n in seen] == [("Not done", "amount must not be negative",
                                                                    "error")]
        assert refused == ["amount must not be negative"]
        assert seen.changes == []


async def test_a_bug_in_a_write_reaches_the_error_policy_and_the_app_keeps_running(db_path, make_app):
    app = make_app("today")
    seen = Seen()

    def write() -> None:
        raise RuntimeError("disk on fire")

    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await settle(pilot)
        work.apply_change(app.screen, write, what="orders", done="saved")
        await wait_until(pilot, lambda: seen, "the error toast")
        assert [(n.title, n.severity) for n in seen] == [("Something went wrong", "error")]
        assert "disk on fire" in seen[0].message and seen.changes == []
        await pilot.press("2")
        assert app.current_mode == "customers"
