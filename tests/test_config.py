"""config.toml -> Config: defaults, overrides and one clear error per mistake."""

from __future__ import annotations

import dataclasses

import pytest

from solocrm_tui.config import Config, load_config, parse_config
from solocrm_tui.core import validate
from solocrm_tui.core.errors import ValidationError


def test_defaults():
    config = parse_config({})
    assert config == Config()
    assert config.currency == "EUR"
    assert config.lifecycle.active_days == 90
    assert config.lifecycle.churned_days == 365
    assert config.lifecycle.loyal_orders == 3
    assert config.jobs.backups_kept == 7
    assert config.notifications.desktop == "off"  # opt-in: a terminal escape the owner asked for
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


# --- ranges: every numeric setting has one, declared beside the field -----------------


def _numeric_settings():
    from dataclasses import fields

    from solocrm_tui.config import _SECTIONS

    for name, cls in _SECTIONS.items():
        for spec in fields(cls):
            if spec.type in ("int", "float", int, float):
                yield name, spec


def test_every_numeric_setting_declares_a_range_that_holds_its_default():
    seen = list(_numeric_settings())
    assert len(seen) >= 20
    for section, spec in seen:
        assert "range" in spec.metadata, f"{section}.{spec.name} has no range"
        low, high = spec.metadata["range"]
        assert low <= spec.default <= high, f"{section}.{spec.name}"


@pytest.mark.parametrize("section, key, value, message", [
    ("jobs", "reminder_seconds", -5, "config: jobs.reminder_seconds must be between 1 and 86400, got -5"),
    ("jobs", "reminder_seconds", 0, "config: jobs.reminder_seconds must be between 1 and 86400, got 0"),
    ("jobs", "reminder_seconds", 99999999999999999999,
     "config: jobs.reminder_seconds must be between 1 and 86400, got 99999999999999999999"),
    ("jobs", "backups_kept", 0, "config: jobs.backups_kept must be between 1 and 1000, got 0"),
    ("jobs", "refit_change_share", float("nan"), "config: jobs.refit_change_share must be between 0.0 and 1.0, got nan"),
    ("today", "repurchase_factor", float("inf"), "config: today.repurchase_factor must be between 1.0 and 20.0, got inf"),
    ("lifecycle", "rhythm_active_factor", float("-inf"), "config: lifecycle.rhythm_active_factor must be between"),
    ("lifecycle", "active_days", 0, "config: lifecycle.active_days must be between 1 and 3650, got 0"),
    ("analytics", "annual_discount_rate", float("nan"), "config: analytics.annual_discount_rate must be between 0.0 and 1.0"),
    ("analytics", "clv_horizon_months", 10**30, "config: analytics.clv_horizon_months must be between 1 and 120"),
])
def test_out_of_range_is_one_line_naming_key_range_and_value(section, key, value, message):
    with pytest.raises(ValidationError) as info:
        parse_config({section: {key: value}})
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_integer_too_big_for_a_float_is_a_range_error_not_an_overflow():
    with pytest.raises(ValidationError, match="jobs.refit_change_share must be between 0.0 and 1.0, got 1000"):
        parse_config({"jobs": {"refit_change_share": 10**400}})


def test_bounds_are_accepted():
    config = parse_config({"jobs": {"reminder_seconds": 1, "backups_kept": 1, "refit_change_share": 0},
                           "today": {"repurchase_factor": 20}})
    assert (config.jobs.reminder_seconds, config.jobs.backups_kept) == (1, 1)
    assert config.jobs.refit_change_share == 0.0
    assert config.today.repurchase_factor == 20.0


def test_huge_integer_from_a_file_is_the_same_one_line_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[jobs]\nreminder_seconds = 99999999999999999999\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="jobs.reminder_seconds must be between 1 and 86400"):
        load_config(path)


def test_new_days_is_a_lifecycle_setting_with_a_range():
    assert parse_config({}).lifecycle.new_days == 30
    assert parse_config({"lifecycle": {"new_days": 14}}).lifecycle.new_days == 14
    for bad in (0, 366):
        with pytest.raises(ValidationError, match="lifecycle.new_days"):
            parse_config({"lifecycle": {"new_days": bad}})


# --- phone_region -------------------------------------------------------------------


def test_phone_region_defaults_to_none_and_is_upper_cased():
    assert Config().phone_region is None
    assert parse_config({"phone_region": "de"}).phone_region == "DE"


@pytest.mark.parametrize("value, message", [
    ("XX", 'config: phone_region "XX" is not a region code phonenumbers knows (like DE, GB or US)'),
    ("Germany", 'config: phone_region "Germany" is not a region code phonenumbers knows (like DE, GB or US)'),
    (49, "config: phone_region must be str, got 49"),
])
def test_an_unknown_phone_region_is_one_error_naming_the_key(value, message):
    with pytest.raises(ValidationError) as refused:
        parse_config({"phone_region": value})
    assert str(refused.value) == message


def test_loading_the_config_makes_its_region_the_one_phones_are_read_in(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('phone_region = "DE"\n', encoding="utf-8")
    load_config(path)
    assert validate.chosen_phone_region() == (True, "DE")
    assert validate.phone("0170 1234567")[1] == "+491701234567"
    load_config(tmp_path / "missing.toml")
    assert validate.chosen_phone_region() == (True, None)
    assert validate.phone("0170 1234567")[1] == "01701234567"


def test_owner_section_for_quotes():
    owner = parse_config({"owner": {"name": "Rösterei Ærø", "address": ["Kaffeestraße 12", " ", "10115 Berlin"],
                                    "vat_id": "DE123456789", "quote_valid_days": 14}}).owner
    assert (owner.name, owner.address, owner.vat_id, owner.quote_valid_days) == (
        "Rösterei Ærø", ("Kaffeestraße 12", "10115 Berlin"), "DE123456789", 14)
    assert parse_config({"owner": {"address": "one line"}}).owner.address == ("one line",)
    assert Config().owner.quote_valid_days == 30


@pytest.mark.parametrize("owner, message", [
    ({"nme": "x"}, "unknown key owner.nme"),
    ({"address": ["ok", 3]}, "owner.address must be a list of lines of text"),
    ({"quote_valid_days": 0}, "owner.quote_valid_days must be between 1 and 365, got 0"),
    ({"email": 5}, "owner.email must be str"),
])
def test_bad_owner_section_is_one_line(owner, message):
    with pytest.raises(ValidationError, match=message):
        parse_config({"owner": owner})


def test_cross_sell_settings_are_analytics_settings_with_ranges_and_today_reads_the_lift():
    config = parse_config({})
    assert (config.analytics.cross_sell_min_support, config.analytics.cross_sell_min_lift) == (0.01, 2.0)
    config = parse_config({"analytics": {"cross_sell_min_support": 0.05, "cross_sell_min_lift": 3}})
    assert (config.analytics.cross_sell_min_support, config.today.cross_sell_min_lift) == (0.05, 3.0)
    with pytest.raises(ValidationError, match=r"^config: analytics.cross_sell_min_support must be between 0.0 and "
                                              r"1.0, got 1.5$"):
        parse_config({"analytics": {"cross_sell_min_support": 1.5}})
    with pytest.raises(ValidationError, match=r"^config: today.cross_sell_min_lift is set as cross_sell_min_lift "
                                              r"in \[analytics\]$"):
        parse_config({"today": {"cross_sell_min_lift": 3}})


def test_owner_email_is_checked_like_a_customers():
    with pytest.raises(ValidationError) as refused:
        parse_config({"owner": {"name": "Rösterei", "email": "hallo@"}})
    assert str(refused.value).startswith("config: owner.email ") and "\n" not in str(refused.value)
    assert parse_config({"owner": {"email": "hallo@roesterei.example"}}).owner.email == "hallo@roesterei.example"


def test_mail_section():
    mail = parse_config({"mail": {"host": "smtp.example.com", "from_address": "me@example.com",
                                  "password_command": "pass show mail/shop", "signature": "Jörg"}}).mail
    assert (mail.host, mail.port, mail.security, mail.signature) == ("smtp.example.com", 587, "starttls", "Jörg")
    assert Config().mail is None


@pytest.mark.parametrize("mail, message", [
    ({"from_address": "me@example.com"}, "mail.host is required"),
    ({"host": "h"}, "mail.from_address is required"),
    ({"host": "h", "from_address": "not-an-address"}, "mail.from_address"),
    ({"host": "h", "from_address": "a@b.co", "security": "tls"}, "mail.security must be starttls, ssl, none"),
    ({"host": "h", "from_address": "a@b.co", "port": 0}, "mail.port must be between 1 and 65535"),
    ({"host": "h", "from_address": "a@b.co", "password_env": "X", "password_command": "y"}, "not both"),
    ({"host": "h", "from_address": "a@b.co", "password": "hunter2"}, "mail.password is not read"),
    ({"host": "h", "from_address": "a@b.co", "pasword_env": "X"}, "unknown key mail.pasword_env"),
    ({"host": "h", "from_address": "a@b.co", "imap_security": "tls"}, "mail.imap_security must be starttls, ssl"),
    ({"host": "h", "from_address": "a@b.co", "imap_port": 70000}, "mail.imap_port must be between 0 and 65535"),
    ({"host": "h", "from_address": "a@b.co", "imap_folder": " "}, "mail.imap_folder must name a folder"),
])
def test_mail_section_errors_are_one_line(mail, message):
    with pytest.raises(ValidationError, match=message):
        parse_config({"mail": mail})
