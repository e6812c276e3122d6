"""Pilot tests of mode switching and the Customers list: paging, filtering, sorting,
the add/edit form and the bulk actions.

The big list has 3,000 customers inserted in one transaction with fixed data, so
every expectation (counts, first rows of each sort) is computed from the seed.
"""

from __future__ import annotations

import threading

from textual.widgets import Input, Label, Static

from solocrm_tui.core import validate
from solocrm_tui.core.contacts import customers
from solocrm_tui.core.contacts.search import CustomerQuery, count_customers
from solocrm_tui.core.stages import CUSTOMER_STAGES
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import database
from solocrm_tui.modals.confirm import Confirm
from solocrm_tui.modals.customer_form import FIELDS, CustomerForm
from solocrm_tui.modals.prompt import Prompt
from solocrm_tui.screens import customers as customers_screen
from solocrm_tui.screens.customer import CustomerScreen
from solocrm_tui.screens.customers import CustomersScreen
from solocrm_tui.screens.insights import InsightsScreen
from solocrm_tui.screens.pipeline import PipelineScreen
from solocrm_tui.screens.today import TodayScreen
from solocrm_tui.widgets.customer_table import CustomerTable

from ..core.conftest import table_dump
from .conftest import Notes, settle, wait_until

SIZE = (120, 35)
N = 3000
FIRSTS = ("Aaron", "Abigail", "Adam", "Alice", "Amelia", "Anna", "Annabel", "Arthur", "Ben", "Bob",
          "Carla", "Chloe", "Daniel", "Eva", "Felix", "Grace", "Hugo", "Ivy", "Jack", "Kate",
          "Leo", "Mia", "Noah", "Olivia", "Paul", "Quentin", "Rosa", "Sam", "Tom", "Uma")
LASTS = tuple(a + b for a in ("Bar", "Cor", "Del", "Fen", "Gar", "Hol", "Kel", "Mor", "Nor", "Per")
              for b in ("ton", "ley", "ford", "wick", "man", "son", "ham", "well", "by", "field"))
COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell",
             "Cyberdyne")


def seed_rows(now) -> list[dict]:
    """Customer i: unique name, 6 stages in turn, every 7th #vip, unique revenue."""
    rows = []
    for i in range(N):
        rows.append({
            "name": f"{FIRSTS[i % 30]} {LASTS[i // 30]}",
            "company": f"{COMPANIES[(i * 7) % 10]} {i % 13:02d}",
            "stage": CUSTOMER_STAGES[i % 6],
            "tags": " vip " if i % 7 == 0 else "",
            "revenue_cents": (i * 7919) % 100_000,
            "created_at": now, "updated_at": now,
        })
    return rows


def seed_many(now) -> list[dict]:
    rows = seed_rows(now)
    with database.atomic():
        for start in range(0, len(rows), 500):
            CustomerModel.insert_many(rows[start:start + 500]).execute()
    ids = [cid for (cid,) in CustomerModel.select(CustomerModel.id).order_by(CustomerModel.id).tuples()]
    for cid, row in zip(ids, rows):
        row["id"] = cid
    return rows




def table_ids(table: CustomerTable) -> list[int]:
    return [int(row.key.value) for row in table.ordered_rows]


def status_text(screen) -> str:
    return str(screen.query_one("#list-status", Static).visual.plain)


def label_text(label: Label) -> str:
    return str(label.visual.plain)


# modes ---------------------------------------------------------------------------------

async def test_number_keys_switch_modes_and_q_quits(make_app):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.current_mode == "today" and isinstance(app.screen, TodayScreen)
        for key, mode, screen_type in (("2", "customers", CustomersScreen), ("3", "pipeline", PipelineScreen),
                                       ("1", "today", TodayScreen), ("4", "insights", InsightsScreen),
                                       ("2", "customers", CustomersScreen)):
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == mode
            assert isinstance(app.screen, screen_type)
        await pilot.press("2")  # the current mode again: nothing changes
        assert app.current_mode == "customers"
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
        assert not app.is_running


# paging, filtering, sorting ------------------------------------------------------------

async def test_pages_load_as_the_cursor_nears_the_end_and_esc_returns_to_the_row(make_app, now):
    rows = seed_many(now)
    expected = [r["id"] for r in sorted(rows, key=lambda r: (r["name"].lower(), r["id"]))]
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(CustomerTable)
        assert table.row_count == 100
        assert table_ids(table) == expected[:100]
        assert "3,000 customers" in status_text(screen) and "showing 100" in status_text(screen)

        await pilot.press("ctrl+end")  # cursor to the last loaded row: near the end, so more is fetched
        await settle(pilot)
        assert table.row_count == 200
        assert table_ids(table) == expected[:200]  # in order, no duplicates, nothing skipped

        await pilot.press("ctrl+end")
        await settle(pilot)
        assert table.row_count == 300
        assert table_ids(table) == expected[:300]
        assert "showing 300" in status_text(screen)

        # j moves one row; near the end (within the prefetch margin) also loads more
        table.move_cursor(row=273, animate=False)
        await settle(pilot)
        await pilot.press("j")  # row 274: not yet within 25 of the end
        await settle(pilot)
        assert table.row_count == 300
        await pilot.press("j")  # row 275: now it is
        await settle(pilot)
        assert table.cursor_row == 275
        assert table.row_count == 400 and table_ids(table) == expected[:400]

        # enter opens the customer; Esc comes back to the same row, pages down the list
        await pilot.press("pageup", "k", "k")
        row = table.cursor_row
        assert 200 < row < 270
        chosen = table.current_id
        assert chosen == expected[row]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.customer_id == chosen
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert table.current_id == chosen
        assert table.cursor_row == row
        assert table.row_count == 400


async def test_typing_in_the_filter_filters_as_you_type(make_app, now):
    rows = seed_many(now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(CustomerTable)
        await pilot.press("f")
        assert app.focused is screen.query_one("#filter", Input)

        await pilot.press(*"quen")
        await settle(pilot)
        quentins = sorted((r for r in rows if r["name"].startswith("Quentin")), key=lambda r: r["name"].lower())
        assert table.row_count == 100
        assert table_ids(table) == [r["id"] for r in quentins]
        assert status_text(screen).startswith(" 100 customers")

        await pilot.press(*" bart")  # narrower: Quentin Barton only
        await settle(pilot)
        assert [r["name"] for r in rows if r["id"] in table_ids(table)] == ["Quentin Barton"]
        assert status_text(screen).startswith(" 1 customer ·")  # not "1 customers"

        await pilot.press("enter")  # back to the table
        assert app.focused is table


async def test_stage_and_tag_filters(make_app, now):
    rows = seed_many(now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(CustomerTable)
        await pilot.press("f")
        screen.query_one("#filter", Input).value = "stage:at_risk"  # (as if typed: same Changed event)
        await settle(pilot)
        at_risk = {r["id"] for r in rows if r["stage"] == "at_risk"}
        assert len(at_risk) == 500
        assert "500 customers" in status_text(screen)
        assert table.row_count == 100 and set(table_ids(table)) <= at_risk

        screen.query_one("#filter", Input).value = ""
        await pilot.press(*"#vip")
        await settle(pilot)
        vip = {r["id"] for r in rows if "vip" in r["tags"]}
        assert len(vip) == 429
        assert "429 customers" in status_text(screen)
        assert set(table_ids(table)) <= vip

        screen.query_one("#filter", Input).value = "#vip stage:lead"  # both filters at once
        await settle(pilot)
        both = vip & {r["id"] for r in rows if r["stage"] == "lead"}
        assert set(table_ids(table)) == both
        assert f"{len(both)} customers" in status_text(screen)

        screen.query_one("#filter", Input).value = "stage:nonsense"
        await settle(pilot)
        assert "unknown stage" in status_text(screen)


async def test_s_cycles_the_sort_and_the_rows_follow(make_app, now):
    rows = seed_many(now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(CustomerTable)

        await pilot.press("s")
        await settle(pilot)
        assert "sorted by Company ▲" in status_text(screen)
        by_company = sorted(rows, key=lambda r: (r["company"].lower(), r["id"]))
        assert table_ids(table)[:20] == [r["id"] for r in by_company[:20]]

        await pilot.press("s")
        await settle(pilot)
        assert "sorted by Stage ▲" in status_text(screen)
        by_stage = sorted(rows, key=lambda r: (r["stage"], r["id"]))
        assert table_ids(table)[:20] == [r["id"] for r in by_stage[:20]]

        await pilot.press("s", "s", "s")  # segment, last contact, revenue
        await settle(pilot)
        assert "sorted by Revenue ▼" in status_text(screen)
        by_revenue = sorted(rows, key=lambda r: (-r["revenue_cents"], -r["id"]))
        assert table_ids(table)[:20] == [r["id"] for r in by_revenue[:20]]

        await pilot.press("S")  # reverse
        await settle(pilot)
        assert "sorted by Revenue ▲" in status_text(screen)
        assert table_ids(table)[:20] == [r["id"] for r in by_revenue[::-1][:20]]

        await pilot.press("ctrl+end")  # paging continues in the sort order
        await settle(pilot)
        assert table_ids(table) == [r["id"] for r in by_revenue[::-1][:200]]


async def test_stale_filter_answers_are_dropped(make_app, now, monkeypatch):
    """Fast typing: an older, slower query that answers last must not replace the rows."""
    rows = seed_many(now)
    real_page = customers_screen.page_customers
    real_show = CustomersScreen.show_first_page
    typed_all = threading.Event()
    answers: list[str] = []  # the query texts, in the order their pages were read

    def slow_page(query, cursor=None, limit=100):
        if query.text == "a":  # the first keystroke's query answers only after the last one's
            typed_all.wait(60)
        page = real_page(query, cursor, limit)
        answers.append(query.text)
        return page

    def spy_show(self, generation, page, query, from_top=False):
        real_show(self, generation, page, query, from_top)
        if self.query_state.text == "annab":
            typed_all.set()

    monkeypatch.setattr(customers_screen, "page_customers", slow_page)
    monkeypatch.setattr(CustomersScreen, "show_first_page", spy_show)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(CustomerTable)
        await pilot.press("f", *"annab")
        await wait_until(pilot, lambda: len(answers) == 6, "the initial load and one answer per keystroke")
        await settle(pilot)
        assert len(answers) == 6 and answers[-1] == "a"  # the answer for "a" came last
        annabels = [r["id"] for r in sorted(rows, key=lambda r: r["name"].lower()) if r["name"].startswith("Annabel")]
        assert table_ids(table) == annabels
        assert status_text(screen).startswith(" 100 customers")
        assert all(str(table.get_row(str(cid))[1]).startswith("Annabel") for cid in table_ids(table))


# add, edit -----------------------------------------------------------------------------

async def _fill(pilot, form: CustomerForm, **values) -> None:
    """Put text in form fields (typing every character is slow and tests nothing more)."""
    for key, value in values.items():
        field = form.query_one(f"#field-{key}", Input)
        field.focus()
        field.value = value
    await pilot.pause()


async def test_add_with_a_validation_error_then_success(make_app, now):
    customers.create_customer(now, name="Zed Existing")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerForm)
        assert app.focused is form.query_one("#field-name", Input)
        await pilot.press(*"Ada", "tab", "tab", *"ada@")  # name, company, email
        assert form.query_one("#field-name", Input).value == "Ada"
        assert form.query_one("#field-email", Input).value == "ada@"
        await _fill(pilot, form, name="Ada Lovelace", email="not-an-email")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # still open
        assert "email" in label_text(form.query_one("#error-email", Label)).lower()
        assert label_text(form.query_one("#error-name", Label)) == ""
        assert app.focused is form.query_one("#field-email", Input)
        assert CustomerModel.select().count() == 1

        await _fill(pilot, form, email="ada@example.com")
        await pilot.press("enter")  # enter in a field saves too
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        saved = CustomerModel.get(CustomerModel.name == "Ada Lovelace")
        assert saved.email == "ada@example.com"
        table = app.screen.query_one(CustomerTable)
        assert str(saved.id) in table.rows
        assert table.row_count == 2


async def test_edit_changes_the_name(make_app, now):
    a = customers.create_customer(now, name="Alice Anderson", email="alice@example.com")
    b = customers.create_customer(now, name="Bob Brown")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CustomerTable)
        await pilot.press("j")
        assert table.current_id == b.id
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerForm)
        assert form.query_one("#field-name", Input).value == "Bob Brown"
        await _fill(pilot, form, name="Bobby Brown")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert customers.get_customer(b.id).name == "Bobby Brown"
        assert customers.get_customer(a.id).name == "Alice Anderson"
        assert str(table.get_row(str(b.id))[1]) == "Bobby Brown"
        assert table.current_id == b.id


async def test_duplicate_email_keeps_the_form_open_with_the_error(make_app, now):
    customers.create_customer(now, name="Alice Anderson", email="alice@example.com")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        first = app.screen
        await _fill(pilot, first, name="Alice Again", email="ALICE@example.com")
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerForm) and form is first  # never closed: no re-opening
        assert "already has the email" in label_text(form.query_one("#error-email", Label))
        assert label_text(form.query_one("#error-name", Label)) == ""
        assert form.query_one("#field-name", Input).value == "Alice Again"  # what was typed is kept
        assert app.focused is form.query_one("#field-email", Input)
        assert CustomerModel.select().count() == 1

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert CustomerModel.select().count() == 1


async def test_a_taken_email_typed_into_the_form_shows_under_email_and_writes_nothing(make_app, now):
    alice = customers.create_customer(now, name="Alice Anderson", email="alice@example.com")
    bob = customers.create_customer(now, name="Bob Brown", email="bob@example.com")
    app = make_app("customers")
    seen = Notes()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await settle(pilot)
        before = table_dump()
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerForm)
        await pilot.press(*"Alice [b]Again[/]", "tab", "tab", *"ALICE@example.com", "enter")
        await settle(pilot)
        assert app.screen is form  # refused by core: still open, as typed
        errors = {key: label_text(form.query_one(f"#error-{key}", Label)) for key, _ in FIELDS}
        assert errors.pop("email") == "another customer already has the email ALICE@example.com"
        assert set(errors.values()) == {""}
        assert label_text(form.query_one("#error-form", Label)) == ""
        assert form.query_one("#field-name", Input).value == "Alice [b]Again[/]"
        assert app.focused is form.query_one("#field-email", Input)
        assert table_dump() == before
        assert "another customer already has the email ALICE@example.com" in seen.texts("error")

        await pilot.press("escape")  # the same refusal when editing someone else
        await settle(pilot)
        table = app.screen.query_one(CustomerTable)
        await pilot.press("j")
        assert table.current_id == bob.id
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerForm)
        await pilot.press("tab", "tab", "ctrl+a", "ctrl+k", *"Alice@Example.com", "ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "already has the email Alice@Example.com" in label_text(form.query_one("#error-email", Label))
        assert table_dump() == before
        assert customers.get_customer(bob.id).email == "bob@example.com"
        assert customers.get_customer(alice.id).name == "Alice Anderson"


async def test_esc_while_saving_closes_only_the_form_and_the_save_still_lands(make_app, now, monkeypatch):
    customers.create_customer(now, name="Alice Anderson", email="alice@example.com")
    release, real_create = threading.Event(), customers.create_customer

    def slow_create(*args, **kwargs):
        assert release.wait(60)
        return real_create(*args, **kwargs)

    monkeypatch.setattr(customers, "create_customer", slow_create)
    app = make_app("customers")
    seen = Notes()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await settle(pilot)
        list_screen = app.screen
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"Ada", "enter", "enter")  # the second Enter must not save twice
        await pilot.press("escape")
        assert app.screen is list_screen
        release.set()
        await settle(pilot)
        assert app.screen is list_screen  # the late success closed nothing else
        ada = CustomerModel.get(CustomerModel.name == "Ada")
        assert CustomerModel.select().count() == 2
        assert "added Ada" in seen.texts()
        assert str(ada.id) in list_screen.query_one(CustomerTable).rows

        release.clear()  # a late refusal, after Esc, is the error toast alone
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"Alice Again", "tab", "tab", *"alice@example.com", "enter", "escape")
        release.set()
        await settle(pilot)
        assert app.screen is list_screen
        assert seen.texts("error") == ["another customer already has the email alice@example.com"]
        assert CustomerModel.select().count() == 2


async def test_markup_typed_into_a_wrong_field_is_shown_as_text(make_app, now):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        await pilot.press(*"Ada", "tab", "tab", *"[/]", "enter")
        await settle(pilot)
        assert app.screen is form
        assert label_text(form.query_one("#error-email", Label)) == '"[/]" is not a valid email address (an email address must have an @-sign)'
        assert CustomerModel.select().count() == 0


# bulk ----------------------------------------------------------------------------------

async def test_bulk_tag_and_archive_act_on_exactly_the_marked_customers(make_app, now):
    ids = [customers.create_customer(now, name=f"Person {n}").id for n in "ABCDEF"]
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(CustomerTable)
        await pilot.press("space", "j", "space", "space")  # A, C, D (space moves down)
        assert table.marked == {ids[0], ids[2], ids[3]}
        assert "3 marked" in status_text(screen)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, Prompt)
        await pilot.press(*"promo", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        tagged = {cid for cid in ids if "promo" in customers.get_customer(cid).tags}
        assert tagged == {ids[0], ids[2], ids[3]}
        assert count_customers(CustomerQuery(tags=("promo",))) == 3
        assert not table.marked and "marked" not in status_text(screen)

        table.move_cursor(row=1, animate=False)
        await pilot.press("space", "space")  # B, C
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # a no changes nothing
        await settle(pilot)
        assert all(customers.get_customer(cid).archived_at is None for cid in ids)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        archived = {cid for cid in ids if customers.get_customer(cid).archived_at == now}
        assert archived == {ids[1], ids[2]}
        assert table_ids(table) == [ids[0], ids[3], ids[4], ids[5]]
        assert status_text(screen).startswith(" 4 customers")


async def test_the_form_puts_email_and_phone_refusals_under_their_fields(make_app, now):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        await pilot.press(*"Ann Lee", "tab", "tab", *"ann..lee@example.com", "tab", *"+33 6 12 34 56 78 9", "enter")
        await settle(pilot)
        assert app.screen is form
        assert label_text(form.query_one("#error-email", Label)) == (
            '"ann..lee@example.com" is not a valid email address (an email address cannot have two periods in a row)')
        assert label_text(form.query_one("#error-phone", Label)) == (
            '"+33 6 12 34 56 78 9" is not a phone number (too long for +33)')
        assert CustomerModel.select().count() == 0


async def test_the_form_reads_a_phone_in_the_customers_country(make_app, now):
    validate.use_phone_region("US")  # a German number is no American one
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        form.query_one("#field-name", Input).value = "Karl Berg"
        form.query_one("#field-phone", Input).value = "030 12345678"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "is not a phone number" in label_text(form.query_one("#error-phone", Label))
        form.query_one("#field-country", Input).value = "Germany"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
        assert [(c.phone, c.phone_norm) for c in CustomerModel.select()] == [("030 12345678", "+493012345678")]
