"""Reminders and background jobs: the once-only claim under races (threads and processes), the live
reminder (toast, bell, timeline, notified_at), the start-up summary, no double notification from a
second instance, the desktop escape sequences, and the scheduler's lifecycle and failure policy."""

from __future__ import annotations

import inspect
import multiprocessing
import textwrap
import threading
from collections import Counter
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from solocrm_tui.config import Config, Jobs, Notifications
from solocrm_tui.core import jobs
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.followups import claim_due, create_followup, get_followup
from solocrm_tui.core.storage.db import close_database, db_call, open_database
from solocrm_tui.core.storage.models import FollowUp as FollowUpModel
from solocrm_tui.core.storage.models import Interaction, JobState, database
from solocrm_tui.core.storage.records import FollowUp
from solocrm_tui.jobs import reminders, schedule
from solocrm_tui.jobs.schedule import _leased, health_text
from solocrm_tui.jobs.scheduling import Job, JobRunner
from solocrm_tui.messages import DataChanged

from .conftest import Notes, wait_until

SIZE = (120, 35)
# The scheduler fires the start-up run; every later run is triggered by the test through
# the runner's run-now hook, so how many runs happen never depends on the machine's speed.
MANUAL = Config(jobs=Jobs(reminder_seconds=3600))


# --- helpers ----------------------------------------------------------------------------------






@pytest.fixture
def remind_runs(monkeypatch) -> list[list[FollowUp]]:
    """Every run of the reminder job body (it is looked up when the app builds its runner)."""
    runs: list[list[FollowUp]] = []
    real = jobs.remind

    def counting(now):
        claimed = real(now)
        runs.append(claimed)
        return claimed

    monkeypatch.setattr(jobs, "remind", counting)
    return runs


async def reminder_run_finished(pilot, app, runs: list, count: int) -> None:
    """Wait until the reminder job has run `count` times and its results reached the screen."""
    await wait_until(pilot, lambda: app.jobs is not None and len(runs) >= count
                     and "reminders" not in app.jobs.running, f"reminder run {count}")
    assert len(runs) == count, f"{len(runs)} reminder runs, expected {count}"
    await pilot.pause()  # the toasts the run posted are handled


def ring_counter(app) -> list[int]:
    rings: list[int] = []
    app.bell = lambda: rings.append(1)
    return rings


def reminder_entries() -> list[tuple[int, str]]:
    q = Interaction.select(Interaction.customer, Interaction.body).where(
        (Interaction.kind == "system") & Interaction.body.startswith("reminder: "))
    return [(cid, body) for cid, body in q.order_by(Interaction.id).tuples()]


def _seed_due(count: int, now: datetime) -> list[int]:
    people = [create_customer(now, name=f"P{i}").id for i in range(4)]
    with database.atomic():
        return [create_followup(f"r{i}", now - timedelta(minutes=i), now, customer_id=people[i % 4]).id
                for i in range(count)]


# --- the atomic claim under races -------------------------------------------------------------


def test_two_threads_racing_claim_each_reminder_once(db_path, now):
    made = _seed_due(150, now)
    barrier = threading.Barrier(2)
    got: list[list[int]] = [[], []]
    errors: list[BaseException] = []

    def worker(slot: int) -> None:
        try:
            barrier.wait(timeout=10)
            while True:
                rows = db_call(claim_due, now, 4)  # as the app's job thread does, small batches
                if not rows:
                    return
                got[slot].extend(r.id for r in rows)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    counts = Counter(got[0] + got[1])
    assert set(counts) == set(made) and max(counts.values()) == 1
    assert len(reminder_entries()) == len(made)
    assert jobs.remind(now) == []


def _remind_in_process(path: str, now_iso: str, barrier, results) -> None:
    """One spawned 'app instance': open the shared file and claim until nothing is due.

    Self-contained (imports inside): the child runs it from its source with exec, because a
    spawned interpreter cannot import a test module collected with --import-mode=importlib.
    """
    from datetime import datetime

    from solocrm_tui.core.contacts import followups
    from solocrm_tui.core.storage.db import close_database, open_database

    got, error = [], None
    try:
        open_database(path, create=False)
        barrier.wait(timeout=60)
        now = datetime.fromisoformat(now_iso)
        while True:
            rows = followups.claim_due(now, limit=4)
            if not rows:
                break
            got.extend(r.id for r in rows)
    except BaseException as exc:  # noqa: BLE001 - sent back to the test
        error = repr(exc)
    finally:
        close_database()
    results.put((got, error))


def test_two_processes_racing_claim_each_reminder_once(db_path, now):
    made = _seed_due(150, now)
    close_database()
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    source = textwrap.dedent(inspect.getsource(_remind_in_process))
    source += "\n_remind_in_process(path, now_iso, barrier, results)\n"
    procs = [ctx.Process(target=exec, args=(source, {"path": str(db_path), "now_iso": now.isoformat(),
                                                      "barrier": barrier, "results": results}))
             for _ in range(2)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert [error for _, error in outcomes] == [None, None]
    counts = Counter(fid for got, _ in outcomes for fid in got)
    assert set(counts) == set(made) and max(counts.values()) == 1
    open_database(db_path)
    assert len(reminder_entries()) == len(made)
    assert FollowUpModel.select().where(FollowUpModel.notified_at.is_null()).count() == 0


# --- live reminders in the running app --------------------------------------------------------


async def test_a_followup_coming_due_is_toasted_rung_and_logged(db_path, now, clock, make_app, remind_runs):
    ada = create_customer(now, name="Ada").id
    fid = create_followup("call Ada about renewal", now + timedelta(seconds=2), now, customer_id=ada).id
    notes = Notes()
    app = make_app("today", with_jobs=True, config=MANUAL)
    rings = ring_counter(app)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await reminder_run_finished(pilot, app, remind_runs, 1)
        assert remind_runs == [[]]  # not due yet: nothing claimed, nothing said
        assert notes.pairs() == [] and rings == []
        clock.advance(seconds=3)
        assert app.jobs.run_now("reminders")
        await reminder_run_finished(pilot, app, remind_runs, 2)
        assert notes.pairs() == [("Follow-up due", "call Ada about renewal — Ada")]
        assert rings == [1]
        assert get_followup(fid).notified_at == now + timedelta(seconds=3)
        assert reminder_entries() == [(ada, "reminder: call Ada about renewal")]
        assert app.sub_title == "crm.db · reminders ✓ checked 10:30:03"
        # later runs do not repeat it
        assert app.jobs.run_now("reminders")
        await reminder_run_finished(pilot, app, remind_runs, 3)
        assert remind_runs[2] == [] and len(notes) == 1 and rings == [1]


async def test_reminders_missed_while_closed_are_summarised_once(db_path, now, make_app, remind_runs):
    ada = create_customer(now, name="Ada").id
    for hours in (30, 5, 1):
        create_followup(f"overdue {hours}h", now - timedelta(hours=hours), now, customer_id=ada)
    create_followup("tomorrow", now + timedelta(days=1), now, customer_id=ada)
    notes = Notes()
    app = make_app("today", with_jobs=True, config=MANUAL)
    rings = ring_counter(app)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await reminder_run_finished(pilot, app, remind_runs, 1)
        assert app.jobs.run_now("reminders")
        await reminder_run_finished(pilot, app, remind_runs, 2)
        assert notes.pairs() == [("While you were away", "3 follow-ups came due while you were away")]
        assert rings == [1]
    assert FollowUpModel.select().where(FollowUpModel.notified_at.is_null()).count() == 1  # only tomorrow's
    assert len(reminder_entries()) == 3

    # a second instance on the same database: nothing left to tell
    runs_before = len(remind_runs)
    notes2 = Notes()
    second = make_app("today", with_jobs=True, config=MANUAL)
    rings2 = ring_counter(second)
    async with second.run_test(size=SIZE, message_hook=notes2) as pilot:
        await reminder_run_finished(pilot, second, remind_runs, runs_before + 1)
        assert second.jobs.run_now("reminders")
        await reminder_run_finished(pilot, second, remind_runs, runs_before + 2)
        assert remind_runs[runs_before:] == [[], []]  # the second instance claimed nothing
        assert notes2 == [] and rings2 == []
    assert len(reminder_entries()) == 3


async def test_one_missed_reminder_is_named_in_the_summary(db_path, now, make_app):
    ada = create_customer(now, name="Ada").id
    create_followup("send the contract", now - timedelta(hours=2), now, customer_id=ada)
    notes = Notes()
    app = make_app("today", with_jobs=True, config=MANUAL)
    ring_counter(app)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await wait_until(pilot, lambda: notes, what="the summary")
        assert notes.pairs() == [("While you were away",
                                  "a follow-up came due while you were away: send the contract — Ada")]


# --- deliver and the desktop escape sequences --------------------------------------------------


def test_desktop_sequences():
    assert reminders.desktop_sequence("osc9", "SoloCRM", "call Ada") == "\x1b]9;SoloCRM: call Ada\x07"
    assert reminders.desktop_sequence("osc777", "SoloCRM", "call Ada") == "\x1b]777;notify;SoloCRM;call Ada\x07"
    assert reminders.desktop_sequence("off", "SoloCRM", "call Ada") == ""


@pytest.mark.parametrize("style, bare", [("osc9", "\x1b]9;SoloCRM: call Ada\x07"),
                                         ("osc777", "\x1b]777;notify;SoloCRM;call Ada\x07")])
def test_inside_tmux_the_sequence_is_wrapped_in_its_passthrough(style, bare):
    """tmux swallows OSC 9/777 unless wrapped in DCS passthrough, with each ESC doubled."""
    inside = {"TMUX": "/tmp/tmux-1000/default,4242,0"}
    escaped = bare.replace("\x1b", "\x1b\x1b")
    assert reminders.desktop_sequence(style, "SoloCRM", "call Ada", env=inside) == f"\x1bPtmux;{escaped}\x1b\\"
    assert reminders.desktop_sequence(style, "SoloCRM", "call Ada", env={}) == bare
    assert reminders.desktop_sequence(style, "SoloCRM", "call Ada", env={"TMUX": ""}) == bare
    assert reminders.desktop_sequence("off", "SoloCRM", "call Ada", env=inside) == ""


def test_deliver_inside_tmux_writes_the_wrapped_sequence(monkeypatch):
    monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,4242,0")
    app = FakeApp("osc9")
    reminders.deliver(app, _followups(1))
    assert app.written == ["\x1bPtmux;\x1b\x1b]9;SoloCRM: task 1 — Person 1\x07\x1b\\"]


def test_desktop_sequences_strip_control_characters_and_separators():
    nasty = "pay\x07 now\x1b]52;c;ZXZpbA==\x07\nplease;ok\tbye\x9c"
    seq9 = reminders.desktop_sequence("osc9", "Solo;CRM\x1b", nasty)
    assert seq9 == "\x1b]9;SoloCRM: pay now]52cZXZpbA==pleaseokbye\x07"
    seq777 = reminders.desktop_sequence("osc777", "SoloCRM", nasty)
    assert seq777 == "\x1b]777;notify;SoloCRM;pay now]52cZXZpbA==pleaseokbye\x07"
    for seq in (seq9, seq777):
        body = seq[2:-1]  # between the introducer and the terminating BEL
        assert "\x07" not in body and "\x1b" not in body and "\n" not in body
    long = reminders.desktop_sequence("osc9", "T", "x" * 500)
    assert long == "\x1b]9;T: " + "x" * 200 + "\x07"


class FakeApp:
    """Just what deliver() touches, with a driver, as on a real terminal."""

    def __init__(self, desktop: str = "osc9", bell: bool = True) -> None:
        self.config = Config(notifications=Notifications(bell=bell, desktop=desktop))
        self.notes: list[tuple[str, str]] = []
        self.rings = 0
        self.posted: list = []
        self.is_headless = False
        self.written: list[str] = []
        self._driver = SimpleNamespace(write=self.written.append)

    def notify(self, message, *, title="", timeout=None, markup=True, severity="information"):
        self.notes.append((title, message))

    def bell(self):
        self.rings += 1

    def post_message(self, message):
        self.posted.append(message)


def _followups(n: int) -> list[FollowUp]:
    due = datetime(2026, 11, 22, 10, 0)
    return [FollowUp(i, i, f"Person {i}", None, f"task {i}", due, None, 0, due) for i in range(1, n + 1)]


def test_deliver_one_reminder_writes_the_desktop_notification():
    app = FakeApp("osc777")
    reminders.deliver(app, _followups(1))
    assert app.notes == [("Follow-up due", "task 1 — Person 1")]
    assert app.rings == 1
    assert app.written == ["\x1b]777;notify;SoloCRM;task 1 — Person 1\x07"]
    assert [type(m) for m in app.posted] == [DataChanged]


def test_deliver_many_caps_the_toasts():
    app = FakeApp("osc9", bell=False)
    reminders.deliver(app, _followups(6))
    assert app.notes == [("Follow-up due", f"task {i} — Person {i}") for i in range(1, 5)] + [
        ("Follow-up due", "and 2 more on the Today screen")]
    assert app.rings == 0
    assert app.written == ["\x1b]9;SoloCRM: 6 follow-ups are due\x07"]


def test_deliver_catch_up_and_nothing():
    app = FakeApp("off")
    reminders.deliver(app, [])
    assert (app.notes, app.rings, app.written, app.posted) == ([], 0, [], [])
    reminders.deliver(app, _followups(3), catch_up=True)
    assert app.notes == [("While you were away", "3 follow-ups came due while you were away")]
    assert (app.rings, app.written) == (1, [])


# --- the scheduler ----------------------------------------------------------------------------


async def test_scheduler_runs_while_the_app_runs(db_path, make_app):
    app = make_app("today", with_jobs=True, config=MANUAL)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        runner = app.jobs
        assert runner is not None and runner.alive and runner.scheduler.running
        assert {"reminders", "backup"} <= {job.id for job in runner.scheduler.get_jobs()}
        await wait_until(pilot, lambda: "reminders" in runner.last_ok, what="first run")
    assert not runner.alive
    assert runner.scheduler is None


async def test_no_scheduler_without_jobs(db_path, make_app):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.jobs is None
        assert app.sub_title == "crm.db"


async def test_a_failing_job_is_recorded_and_the_others_keep_running(db_path, make_app, monkeypatch):
    calls = Counter()

    def boom(now):
        calls["boom"] += 1
        raise RuntimeError("kaput")

    def tick(now):
        calls["reminders"] += 1
        return []

    def build(app):
        return JobRunner(app, [Job("boom", boom, timedelta(seconds=1)),
                               Job("reminders", tick, timedelta(seconds=1))])

    monkeypatch.setattr(schedule, "build_runner", build)
    notes = Notes()
    app = make_app("today", with_jobs=True)
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await wait_until(pilot, lambda: calls["boom"] >= 2 and calls["reminders"] >= 2 and "boom" not in
                         app.jobs.running, what="two turns of each job")
        runner = app.jobs
        assert runner.alive
        assert runner.last_error == {"boom": "RuntimeError: kaput"}
        assert "reminders" in runner.last_ok and "boom" not in runner.last_ok
        assert app.sub_title == "crm.db · ⚠ boom failed: RuntimeError: kaput"
        assert health_text(runner) == "⚠ boom failed: RuntimeError: kaput"
        assert [n for n in notes if n.severity == "error"] == []  # no crash, no error toast
        assert app.is_running


async def test_a_job_still_running_is_not_started_twice(db_path, make_app):
    release = threading.Event()
    started = Counter()

    def slow(now):
        started["slow"] += 1
        assert release.wait(60)
        return "done"

    results: list = []
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        runner = JobRunner(app, [Job("slow", slow, timedelta(hours=1), on_done=results.append)])
        assert runner.run_now("slow") is True
        await wait_until(pilot, lambda: started["slow"] == 1, what="the job to start")
        assert runner.run_now("slow") is False  # still running: skipped
        assert runner.run_now("slow") is False
        release.set()
        await wait_until(pilot, lambda: results == ["done"], what="the job to finish")
        assert "slow" not in runner.running
        assert runner.run_now("slow") is True  # finished: may run again
        await wait_until(pilot, lambda: len(results) == 2, what="the second run")
        assert started["slow"] == 2


def test_health_text():
    runner = JobRunner(None, [])
    assert health_text(runner) == "⚠ scheduler stopped"


# --- shared jobs take the lease ---------------------------------------------------------------


def test_leased_job_runs_once_per_period_and_records_failures(db_path, now):
    ran: list[datetime] = []
    leased = _leased("backup", timedelta(days=1), lambda t: ran.append(t) or "ok")
    assert leased(now) == "ok"
    assert leased(now + timedelta(hours=1)) is None  # done less than a day ago (maybe by another instance)
    assert ran == [now]

    def failing(t):
        raise OSError("disk full")

    broken = _leased("refit", timedelta(days=1), failing)
    with pytest.raises(OSError):
        broken(now)
    assert jobs.last_runs()["refit"] == (now, now, False, "OSError: disk full")
    retry = _leased("refit", timedelta(days=1), lambda t: "fitted")
    assert retry(now + timedelta(minutes=5)) == "fitted"  # a failed run is retried at the next turn
    assert JobState.get_by_id("refit").ok is True
