"""Full garbage collections wait for a quiet moment (solocrm_tui.idle_gc)."""

from __future__ import annotations

import gc

import pytest

from solocrm_tui.idle_gc import FULL_EVERY, IDLE_AFTER, WORTH_IT, IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def collector():
    clock = Clock()
    collector = IdleCollector(clock)
    before = gc.get_threshold()
    collector.install()
    yield collector, clock
    collector.uninstall()
    assert gc.get_threshold() == before


def young_collections(n: int) -> None:
    for _ in range(n):
        gc.collect(1)  # each one counts towards the next full collection


def test_install_freezes_startup_objects_and_spaces_out_full_collections(collector):
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[2] == FULL_EVERY


def test_uninstall_restores_python_defaults():
    before = gc.get_threshold()
    collector = IdleCollector(Clock())
    collector.install()
    collector.uninstall()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_collects_only_after_a_quiet_second_with_enough_garbage(collector):
    collector, clock = collector
    gc.collect()
    collector.touched()
    young_collections(WORTH_IT)
    assert not collector.collect_if_idle()  # the owner just typed
    clock.now += IDLE_AFTER - 0.01
    assert not collector.collect_if_idle()
    clock.now += 0.02
    assert collector.collect_if_idle()
    assert gc.get_count()[2] == 0 and collector.collections == 1
    assert not collector.collect_if_idle()  # nothing gathered since: not worth it


async def test_a_keypress_counts_as_input(make_app):
    app = make_app("customers")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert gc.get_threshold()[2] == FULL_EVERY  # installed after the first frame
        app.collector.last_input = 0.0
        await pilot.press("j")
        assert app.collector.last_input > 0.0
    assert gc.get_threshold()[2] != FULL_EVERY  # and undone when the app ends
