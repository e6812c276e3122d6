"""Stored phone keys follow the configured region: a database opened by a process with
another region re-keys every customer's phone before anything is matched on it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

from solocrm_tui.core import validate
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.storage.db import close_database, open_database


def stored(path) -> dict:
    with sqlite3.connect(path) as conn:
        keys = dict(conn.execute("SELECT phone, phone_norm FROM customer"))
        setting = conn.execute("SELECT value FROM setting WHERE key = 'phone_keys'").fetchone()
    return {"keys": keys, "region": setting[0] if setting else None}


def test_reopening_with_another_region_re_keys_every_phone(tmp_path, now):
    path = tmp_path / "crm.db"
    validate.use_phone_region(None)
    open_database(path)
    create_customer(now, name="Ann", phone="0170 1234567")
    create_customer(now, name="Ben", phone="+49 (0)30 1234567")
    close_database()
    with sqlite3.connect(path) as conn:  # made before phone rules were this strict
        conn.execute("INSERT INTO customer (name, phone, phone_norm, opt_out, tags, custom, created_at, updated_at, "
                     "revenue_cents, order_count, stage) VALUES ('Cid', '+33 1 2345678', '+3312345678', 0, '', '{}', "
                     "'2026-01-01', '2026-01-01', 0, 0, 'lead')")
    assert stored(path)["keys"]["0170 1234567"] == "01701234567"

    validate.use_phone_region("DE")
    open_database(path)
    close_database()
    assert stored(path) == {"region": "DE", "keys": {"0170 1234567": "+491701234567",
                                                     "+49 (0)30 1234567": "+49301234567",
                                                     "+33 1 2345678": "+3312345678"}}  # no longer parses: digits

    validate.use_phone_region(None)
    open_database(path)
    close_database()
    assert stored(path)["region"] == "" and stored(path)["keys"]["0170 1234567"] == "01701234567"


def test_re_keying_reads_a_national_number_in_its_customers_country(tmp_path, now):
    path = tmp_path / "crm.db"
    validate.use_phone_region(None)
    open_database(path)
    create_customer(now, name="Jennifer", phone="(217) 555-3344", country="United States")
    close_database()
    validate.use_phone_region("DE")
    open_database(path)
    close_database()
    assert stored(path)["keys"] == {"(217) 555-3344": "+12175553344"}


def test_a_process_that_loaded_no_config_leaves_the_keys_alone(tmp_path, now):
    path = tmp_path / "crm.db"
    validate.use_phone_region("DE")
    open_database(path)
    create_customer(now, name="Ann", phone="0170 1234567")
    close_database()
    child = textwrap.dedent(f"""
        from solocrm_tui.core.storage.db import open_database, close_database
        open_database({str(path)!r}, create=False)
        close_database()
    """)
    subprocess.run([sys.executable, "-c", child], check=True)
    assert stored(path) == {"region": "DE", "keys": {"0170 1234567": "+491701234567"}}


def test_a_second_process_with_another_region_re_keys_the_file(tmp_path, now):
    path = tmp_path / "crm.db"
    config = tmp_path / "config.toml"
    config.write_text('phone_region = "AT"\n', encoding="utf-8")
    validate.use_phone_region("DE")
    open_database(path)
    create_customer(now, name="Ann", phone="0664 1234567")
    close_database()
    child = textwrap.dedent(f"""
        from pathlib import Path
        from solocrm_tui.config import load_config
        from solocrm_tui.core.storage.db import open_database, close_database
        load_config(Path({str(config)!r}))
        open_database({str(path)!r}, create=False)
        close_database()
    """)
    subprocess.run([sys.executable, "-c", child], check=True)
    assert stored(path) == {"region": "AT", "keys": {"0664 1234567": "+436641234567"}}
