"""What the customer list does to the selected or marked customers: add, edit, archive,
tag, merge and forget. Each change runs in a worker and the list reloads after it."""

from __future__ import annotations

from textual import work

from solocrm_tui.core.contacts import customers
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.db import db_call
from solocrm_tui.messages import DataChanged
from solocrm_tui.widgets.customer_table import CustomerTable


class CustomerListActions:
    """Mixed into CustomersScreen, which provides the table and the focused customer."""

    def _targets(self) -> list[int]:
        table = self.query_one(CustomerTable)
        return sorted(table.marked) or ([table.current_id] if table.current_id is not None else [])

    def action_add(self) -> None:
        from solocrm_tui.modals.customer_form import edit_customer

        edit_customer(self.app)

    def action_edit(self) -> None:
        cid = self.focused_customer_id()
        if cid is not None:
            self.edit_customer(cid)

    @work(thread=True, exit_on_error=False, group="customers-edit")
    def edit_customer(self, cid: int) -> None:
        from solocrm_tui.modals.customer_form import edit_customer

        record = db_call(customers.get_customer, cid)
        self.app.call_from_thread(edit_customer, self.app, record)

    def action_archive(self) -> None:
        from solocrm_tui.modals.confirm import Confirm

        ids = self._targets()
        if ids:
            question = f"Archive {len(ids)} customer{'s' if len(ids) > 1 else ''}?"
            self.app.push_screen(Confirm(question), lambda yes: yes and self.archive(ids))

    def archive(self, ids: list[int]) -> None:
        self.query_one(CustomerTable).marked.clear()
        self.apply_change(lambda now: customers.archive_customers(ids, now), f"archived {len(ids)}")

    def action_tag(self) -> None:
        from solocrm_tui.modals.prompt import Prompt

        ids = self._targets()
        if ids:
            self.app.push_screen(Prompt(f"Tag for {len(ids)} customer(s)", placeholder="vip"),
                                 lambda tag: tag and self.tag(ids, tag))

    def tag(self, ids: list[int], tag: str) -> None:
        self.query_one(CustomerTable).marked.clear()
        self.apply_change(lambda now: customers.change_tags(ids, now, add=[tag]), f"tagged {len(ids)} #{tag}")

    def action_merge(self) -> None:
        marked = sorted(self.query_one(CustomerTable).marked)
        if len(marked) != 2:
            self.app.notify("mark exactly two customers (space), then press m to merge them", severity="warning")
            return
        self.open_merge(marked[0], marked[1])

    @work(thread=True, exit_on_error=False, group="customers-edit")
    def open_merge(self, first_id: int, second_id: int) -> None:
        from solocrm_tui.modals.merge_form import MergeForm

        first, second = db_call(customers.get_customer, first_id), db_call(customers.get_customer, second_id)
        self.app.call_from_thread(self.app.push_screen, MergeForm(first, second), self.merge)

    def merge(self, choice: dict | None) -> None:
        if not choice:
            return
        from solocrm_tui.core.contacts.merging import merge_customers

        self.query_one(CustomerTable).marked.clear()
        self.apply_change(lambda now: merge_customers(choice["keep_id"], choice["other_id"], now, choice["prefer"]),
                          f"merged #{choice['other_id']} into #{choice['keep_id']} (undo: solocrm merge --undo …)")

    def action_forget(self) -> None:
        from solocrm_tui.modals.prompt import Prompt

        cid = self.focused_customer_id()
        if cid is None:
            return

        def check(text: str) -> None:
            if text.strip().lower() != "forget":
                raise ValidationError('type "forget" to erase this customer for good')

        self.app.push_screen(Prompt(f"Erase customer #{cid} and everything about them (GDPR)? Orders stay, "
                                    "anonymised. This cannot be undone. Type forget to confirm.", check=check),
                             lambda text: text and self.forget(cid))

    def forget(self, cid: int) -> None:
        from solocrm_tui.core.contacts.privacy import forget_customer

        self.apply_change(lambda now: forget_customer(cid, now, purge=False), f"customer #{cid} erased")

    @work(thread=True, exit_on_error=False, group="customers-write")
    def apply_change(self, change, done: str) -> None:
        db_call(change, self.app.now())
        self.app.call_from_thread(self.app.notify, done)
        self.app.call_from_thread(self.post_message, DataChanged())
