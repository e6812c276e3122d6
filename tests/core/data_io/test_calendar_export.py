"""Recurring follow-ups in the calendar export: RRULEs on tasks, events with a VTIMEZONE, UIDs per series."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.data_io import exporting
from solocrm_tui.core.data_io.timezones import local_zone
from solocrm_tui.core.storage.models import FollowUp
from tests.core.data_io.test_exporting import components, unfold

BERLIN = ZoneInfo("Europe/Berlin")


def calendar(now: datetime, *, events: bool = False, zone=None) -> list[str]:
    out = io.StringIO(newline="")
    exporting.write("followups", "ics", out, now, events=events, zone=zone)
    return unfold(out.getvalue())


def followup(title: str, due: datetime, now: datetime, **fields) -> FollowUp:
    return FollowUp.create(title=title, due_at=due, created_at=now, **fields)


@pytest.fixture
def series(core_db, t0):
    """Ann is called every other week (first call done, the next one open) and emailed once."""
    ann = create_customer(t0, name="Ann Smith")
    first = followup("Call Ann", datetime(2026, 11, 13, 9, 0), t0, customer=ann.id, recurrence="FREQ=WEEKLY;INTERVAL=2",
                     recur_from="due", done_at=datetime(2026, 11, 13, 9, 30))
    first.series_id = first.id
    first.save()
    followup("Call Ann", datetime(2026, 11, 27, 9, 0), t0, customer=ann.id, recurrence="FREQ=WEEKLY;INTERVAL=2",
             recur_from="due", series_id=first.id)
    followup("Email Ann the quote", datetime(2026, 11, 24, 14, 0), t0, customer=ann.id)
    return first


def by_summary(found: list[dict]) -> dict[str, dict]:
    return {item["SUMMARY"][0]: item for item in found}


def test_a_recurring_task_carries_its_rule_and_a_one_shot_none(series, t0):
    todos = by_summary(components(calendar(t0), "VTODO"))
    assert set(todos) == {"Call Ann", "Email Ann the quote"}
    assert todos["Call Ann"]["RRULE"] == ["FREQ=WEEKLY;INTERVAL=2"]
    assert todos["Call Ann"]["DTSTART"] == todos["Call Ann"]["DUE"] == ["20261127T090000"]
    assert "RRULE" not in todos["Email Ann the quote"]


def test_a_series_keeps_one_uid_as_its_occurrences_are_done(series, t0):
    before = by_summary(components(calendar(t0), "VTODO"))["Call Ann"]["UID"]
    FollowUp.update(done_at=datetime(2026, 11, 27, 9, 5)).where(FollowUp.due_at == datetime(2026, 11, 27, 9, 0)).execute()
    followup("Call Ann", datetime(2026, 12, 11, 9, 0), t0, recurrence="FREQ=WEEKLY;INTERVAL=2", series_id=series.id)
    after = by_summary(components(calendar(t0), "VTODO"))["Call Ann"]
    assert after["UID"] == before == [f"followup-{series.id}@solocrm"]
    assert after["DUE"] == ["20261211T090000"]


def test_only_the_next_open_occurrence_of_a_series_is_exported(series, t0):
    followup("Call Ann", datetime(2026, 12, 11, 9, 0), t0, recurrence="FREQ=WEEKLY;INTERVAL=2", series_id=series.id)
    calls = [t for t in components(calendar(t0), "VTODO") if t["SUMMARY"] == ["Call Ann"]]
    assert [c["DUE"] for c in calls] == [["20261127T090000"]]


def test_events_are_placed_in_the_named_zone_with_its_vtimezone(series, t0):
    lines = calendar(t0, events=True, zone=BERLIN)
    assert components(lines, "VTODO") == []
    events = by_summary(components(lines, "VEVENT"))
    call = events["Call Ann"]
    assert "DTSTART;TZID=Europe/Berlin:20261127T090000" in lines
    assert call["DURATION"] == ["PT15M"] and call["RRULE"] == ["FREQ=WEEKLY;INTERVAL=2"]
    assert call["DESCRIPTION"][0] == "Customer: Ann Smith (#1)" and call["DTSTAMP"][0].endswith("Z")
    assert call["UID"] == [f"followup-event-{series.id}@solocrm"]
    assert "RRULE" not in events["Email Ann the quote"]
    alarms = components(lines, "VALARM")
    assert len(alarms) == 2 and all(a["ACTION"] == ["DISPLAY"] and a["TRIGGER"] == ["PT0S"] for a in alarms)
    zones = components(lines, "VTIMEZONE")
    assert [z["TZID"] for z in zones] == [["Europe/Berlin"]]
    assert lines.index("BEGIN:VTIMEZONE") < lines.index("BEGIN:VEVENT")


def test_berlin_changes_to_summer_time_in_march_and_back_in_october(series, t0):
    lines = calendar(t0, events=True, zone=BERLIN)
    summer, = components(lines, "DAYLIGHT")
    winter, = components(lines, "STANDARD")
    assert (summer["TZOFFSETFROM"], summer["TZOFFSETTO"], summer["TZNAME"]) == (["+0100"], ["+0200"], ["CEST"])
    assert (winter["TZOFFSETFROM"], winter["TZOFFSETTO"], winter["TZNAME"]) == (["+0200"], ["+0100"], ["CET"])
    assert summer["RRULE"] == ["FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"]
    assert winter["RRULE"] == ["FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"]
    assert summer["DTSTART"] == ["20250330T020000"] and winter["DTSTART"] == ["20251026T030000"]


def test_a_zone_without_summer_time_has_one_standard_offset(series, t0):
    lines = calendar(t0, events=True, zone=ZoneInfo("UTC"))
    assert "DTSTART;TZID=UTC:20261127T090000" in lines
    assert components(lines, "DAYLIGHT") == []
    standard, = components(lines, "STANDARD")
    assert standard["TZOFFSETFROM"] == standard["TZOFFSETTO"] == ["+0000"]


def test_a_zone_that_dropped_summer_time_lists_each_change(core_db, t0):
    """São Paulo kept summer time until February 2019: no yearly rule may carry it on."""
    followup("Call", datetime(2019, 3, 1, 9, 0), t0)
    lines = calendar(t0.replace(year=2019, month=3, day=1), events=True, zone=ZoneInfo("America/Sao_Paulo"))
    assert not any(line.startswith("RRULE") for line in lines)
    summer = components(lines, "DAYLIGHT")
    winter = components(lines, "STANDARD")
    assert [s["DTSTART"] for s in summer] == [["20181104T000000"]]
    assert [w["DTSTART"] for w in winter] == [["20180218T000000"], ["20190217T000000"]]
    assert all(w["TZOFFSETFROM"] == ["-0200"] and w["TZOFFSETTO"] == ["-0300"] for w in winter)


def test_an_end_date_is_given_in_utc_when_the_start_has_a_zone(core_db, t0):
    followup("Report", datetime(2026, 12, 1, 9, 0), t0, recurrence="FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20270630T235959")
    event, = components(calendar(t0, events=True, zone=BERLIN), "VEVENT")
    assert event["RRULE"] == ["FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20270630T215959Z"]
    todo, = components(calendar(t0), "VTODO")
    assert todo["RRULE"] == ["FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20270630T235959"]


def test_events_without_a_named_zone_keep_floating_local_times(series, t0):
    lines = calendar(t0, events=True, zone=None)
    assert components(lines, "VTIMEZONE") == []
    assert "DTSTART:20261127T090000" in lines and not any("TZID" in line for line in lines)


def test_a_rule_that_is_not_an_rrule_is_left_out_not_written_raw(core_db, t0):
    followup("Odd", datetime(2026, 12, 1, 9, 0), t0, recurrence="FREQ=DAILY\r\nBEGIN:VALARM")
    todo, = components(calendar(t0), "VTODO")
    assert "RRULE" not in todo and "VALARM" not in todo


@pytest.mark.parametrize("tz, expected", [
    ("Europe/Berlin", "Europe/Berlin"), (":America/New_York", "America/New_York"),
    ("/usr/share/zoneinfo/Asia/Tokyo", "Asia/Tokyo"), ("", "UTC"), ("CET-1CEST,M3.5.0,M10.5.0/3", None),
])
def test_the_local_zone_is_named_by_tz(tz, expected, tmp_path):
    zone = local_zone({"TZ": tz}, tmp_path)
    assert (zone.key if zone else None) == expected


def test_the_local_zone_is_where_etc_localtime_points(tmp_path):
    (tmp_path / "localtime").symlink_to(Path("/usr/share/zoneinfo/Europe/Berlin"))
    assert local_zone({}, tmp_path).key == "Europe/Berlin"
    (tmp_path / "localtime").unlink()
    (tmp_path / "timezone").write_text("Europe/Paris\n")
    assert local_zone({}, tmp_path).key == "Europe/Paris"
    (tmp_path / "timezone").unlink()
    assert local_zone({}, tmp_path) is None


def test_csv_and_json_carry_the_rule_and_the_series(series, t0):
    out = io.StringIO(newline="")
    exporting.write("followups", "json", out, t0)
    calls = [row for row in json.loads(out.getvalue()) if row["title"] == "Call Ann"]
    assert [(row["recurrence"], row["recur_from"], row["series_id"]) for row in calls] == [
        ("FREQ=WEEKLY;INTERVAL=2", "due", series.id)] * 2
