"""A failing database call in any screen's or widget's worker becomes an error toast, never a crash."""

from __future__ import annotations

from solocrm_tui.core.errors import ValidationError

from .conftest import Notes, settle


async def test_a_failing_screen_worker_is_reported_and_the_app_keeps_running(make_app, monkeypatch):
    import solocrm_tui.screens.customers as screen

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(screen, "page_customers", broken)
    notes = Notes()
    app = make_app("customers")
    async with app.run_test(size=(120, 35), message_hook=notes) as pilot:
        await settle(pilot, rounds=1)
        assert any("disk on fire" in n.message and n.severity == "error" for n in notes)
        await pilot.press("1")  # still alive and switching modes
        assert app.current_mode == "today"


async def test_a_refused_action_in_a_screen_worker_says_why(make_app, monkeypatch):
    import solocrm_tui.screens.today as screen

    def refuse(*args, **kwargs):
        raise ValidationError("the queue is closed for lunch")

    monkeypatch.setattr(screen.queue, "todays_queue", refuse)
    notes = Notes()
    app = make_app("today")
    async with app.run_test(size=(120, 35), message_hook=notes) as pilot:
        await settle(pilot, rounds=1)
        assert any(n.message == "the queue is closed for lunch" and n.title == "Not done" for n in notes)
