"""config.toml -> Config: defaults, overrides and one clear error per mistake."""

from __future__ import annotations

import dataclasses

import pytest

from solocrm_tui.config import Config, load_config, parse_config
from solocrm_tui.core.errors import ValidationError


def test_defaults():
    config = parse_config({})
    assert config == Config()
    assert config.currency == "EUR"
    assert config.lifecycle.active_days == 90
    assert config.lifecycle.churned_days == 365
    assert config.lifecycle.loyal_orders == 3
    assert config.jobs.backups_kept == 7
    assert config.notifications.desktop == "osc9"
    assert config.notifications.bell is True
    assert config.analytics.churn_horizon_days == 90
    assert config.today.stale_deal_days == 14
    assert config.deal_probabilities == {"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75}
    assert config.keys == {}


def test_config_is_frozen():
    config = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.currency = "USD"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.jobs.backups_kept = 1  # type: ignore[misc]


def test_default_instances_do_not_share_mutable_maps():
    a, b = Config(), Config()
    assert a.deal_probabilities == b.deal_probabilities
    assert a.deal_probabilities is not b.deal_probabilities


def test_overrides_keep_the_other_defaults():
    config = parse_config({
        "currency": "usd",
        "lifecycle": {"active_days": 60},
        "jobs": {"reminder_seconds": 30, "refit_change_share": 0.1},
        "notifications": {"bell": False, "desktop": "osc777"},
        "analytics": {"annual_discount_rate": 0.08},
        "today": {"no_contact_days": 45},
        "deal_probabilities": {"proposal": 60},
        "keys": {"today.done": "x"},
    })
    assert config.currency == "USD"
    assert config.lifecycle.active_days == 60
    assert config.lifecycle.churned_days == 365
    assert config.jobs.reminder_seconds == 30
    assert config.jobs.refit_change_share == 0.1
    assert config.jobs.backups_kept == 7
    assert config.notifications == type(config.notifications)(bell=False, desktop="osc777")
    assert config.analytics.annual_discount_rate == 0.08
    assert config.today.no_contact_days == 45
    assert config.deal_probabilities == {"lead": 10, "qualified": 25, "proposal": 60, "negotiation": 75}
    assert config.keys == {"today.done": "x"}


def test_int_is_accepted_where_a_float_is_expected():
    config = parse_config({"lifecycle": {"rhythm_active_factor": 3}})
    assert config.lifecycle.rhythm_active_factor == 3.0
    assert isinstance(config.lifecycle.rhythm_active_factor, float)


@pytest.mark.parametrize("raw, named", [
    ({"colour": "blue"}, "colour"),
    ({"lifecycle": {"active_dayz": 10}}, "lifecycle.active_dayz"),
    ({"jobs": {"reminders": 10}}, "jobs.reminders"),
    ({"today": {"bogus": 1}}, "today.bogus"),
])
def test_unknown_key_is_named(raw, named):
    with pytest.raises(ValidationError, match=f"unknown key {named}"):
        parse_config(raw)


@pytest.mark.parametrize("raw, named", [
    ({"lifecycle": {"active_days": "90"}}, "lifecycle.active_days must be int"),
    ({"lifecycle": {"active_days": 90.5}}, "lifecycle.active_days must be int"),
    ({"lifecycle": {"active_days": True}}, "lifecycle.active_days must be int"),
    ({"jobs": {"refit_change_share": "0.1"}}, "jobs.refit_change_share must be float"),
    ({"analytics": {"annual_discount_rate": False}}, "analytics.annual_discount_rate must be float"),
    ({"notifications": {"bell": "yes"}}, "notifications.bell must be bool"),
    ({"notifications": {"desktop": 9}}, "notifications.desktop must be str"),
    ({"currency": 978}, "currency must be str"),
    ({"deal_probabilities": {"lead": "10"}}, "deal_probabilities.lead must be int"),
    ({"keys": {"quit": 1}}, "keys.quit must be str"),
])
def test_wrong_type_is_named(raw, named):
    with pytest.raises(ValidationError, match=named):
        parse_config(raw)


@pytest.mark.parametrize("section", ["lifecycle", "jobs", "notifications", "analytics", "today",
                                     "deal_probabilities", "keys"])
def test_section_must_be_a_table(section):
    with pytest.raises(ValidationError, match=rf"\[{section}\] must be a table"):
        parse_config({section: 5})


@pytest.mark.parametrize("value", ["EURO", "E", "", "12E", "€€€"])
def test_bad_currency(value):
    with pytest.raises(ValidationError, match="currency must be a 3-letter code"):
        parse_config({"currency": value})


@pytest.mark.parametrize("probs", [{"won": 100}, {"lead": 101}, {"lead": -1}, {"closing": 50}])
def test_bad_deal_probabilities(probs):
    with pytest.raises(ValidationError, match="deal_probabilities"):
        parse_config({"deal_probabilities": probs})


def test_bad_desktop_notification_style():
    with pytest.raises(ValidationError, match="notifications.desktop must be off, osc9 or osc777"):
        parse_config({"notifications": {"desktop": "growl"}})


# --- load_config on files -----------------------------------------------------------


def test_missing_file_means_defaults(tmp_path):
    assert load_config(tmp_path / "nope.toml") == Config()


def test_file_is_read(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('currency = "gbp"\n\n[lifecycle]\nactive_days = 120\n\n[deal_probabilities]\nlead = 5\n',
                    encoding="utf-8")
    config = load_config(path)
    assert config.currency == "GBP"
    assert config.lifecycle.active_days == 120
    assert config.deal_probabilities["lead"] == 5


def test_invalid_toml_is_one_error_naming_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("currency = EUR\n[lifecycle\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="not valid TOML") as info:
        load_config(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_non_utf8_file_is_an_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b'currency = "\xff\xfe"\n')
    with pytest.raises(ValidationError, match="not valid TOML"):
        load_config(path)


def test_unreadable_path_is_an_error(tmp_path):
    folder = tmp_path / "config.toml"
    folder.mkdir()
    with pytest.raises(ValidationError, match="cannot read"):
        load_config(folder)


def test_unknown_key_in_file_is_named(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[jobs]\nbackup_hourz = 3\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown key jobs.backup_hourz"):
        load_config(path)
