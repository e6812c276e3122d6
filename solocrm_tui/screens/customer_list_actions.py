"""What the customer list does to the selected or marked customers: add, edit, archive,
tag, merge and forget. Each change runs in a worker and the list reloads after it."""

from __future__ import annotations

from solocrm_tui import work
from solocrm_tui.core.contacts import customers
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.text.figures import count
from solocrm_tui.widgets.customer_table import CustomerTable

NO_ROW = "no customer selected: the list is empty"


def _count(ids: list[int]) -> str:
    return count(len(ids), "customer")


class CustomerListActions:
    """Mixed into CustomersScreen, which provides the table and the focused customer."""

    def _targets(self) -> list[int]:
        """The marked customers, else the one under the cursor; none says so."""
        table = self.query_one(CustomerTable)
        ids = sorted(table.marked) or ([table.current_id] if table.current_id is not None else [])
        if not ids:
            self.cannot(NO_ROW)
        return ids

    def _who(self, ids: list[int]) -> str:
        """How a toast names the customers acted on: the one by name, several by count."""
        return self.query_one(CustomerTable).name_of(ids[0]) if len(ids) == 1 else _count(ids)

    def action_add(self) -> None:
        from solocrm_tui.modals.customer_form import edit_customer

        edit_customer(self.app)

    def action_edit(self) -> None:
        cid = self.focused_customer_id()
        if cid is None:
            self.cannot(NO_ROW)
        else:
            self.edit_customer(cid)

    def edit_customer(self, cid: int) -> None:
        from solocrm_tui.modals.customer_form import edit_customer

        work.load(self, lambda: customers.get_customer(cid), lambda record: edit_customer(self.app, record),
                  group="customers-edit")

    def action_archive(self) -> None:
        from solocrm_tui.modals.confirm import Confirm

        ids = self._targets()
        if ids:
            verb = "Unarchive" if self.query_state.archived else "Archive"  # is:archived lists archived rows
            self.app.push_screen(Confirm(f"{verb} {_count(ids)}?"), lambda yes: yes and self.archive(ids))

    def archive(self, ids: list[int]) -> None:
        self.query_one(CustomerTable).marked.clear()
        now, archiving, who = self.app.now(), not self.query_state.archived, self._who(ids)
        verb = "archiving" if archiving else "unarchiving"
        work.apply_change(self, lambda: customers.archive_customers(ids, now, archived=archiving), what="customers",
                          done=f"{'archived' if archiving else 'unarchived'} {who}", undo_as=f"{verb} {_count(ids)}")

    def action_tag(self) -> None:
        from solocrm_tui.modals.prompt import Prompt

        ids = self._targets()
        if ids:
            self.app.push_screen(Prompt(f"Tag for {_count(ids)} (-tag removes it)", placeholder="vip  or  -vip"),
                                 lambda tag: tag and self.tag(ids, tag))

    def tag(self, ids: list[int], typed: str) -> None:
        self.query_one(CustomerTable).marked.clear()
        now, removing, tag = self.app.now(), typed.startswith("-"), typed.lstrip("-").lstrip("#")
        change = {"remove": [tag]} if removing else {"add": [tag]}
        done, doing = ("untagged", "untagging") if removing else ("tagged", "tagging")
        who = self._who(ids)
        work.apply_change(self, lambda: customers.change_tags(ids, now, **change), what="customers",
                          done=f"{done} {who} #{tag}", undo_as=f"{doing} {_count(ids)} #{tag}")

    def action_merge(self) -> None:
        marked = sorted(self.query_one(CustomerTable).marked)
        if len(marked) != 2:
            self.app.notify("mark exactly two customers (space), then press m to merge them", severity="warning")
            return
        self.open_merge(marked[0], marked[1])

    def open_merge(self, first_id: int, second_id: int) -> None:
        from solocrm_tui.modals.merge_form import MergeForm

        work.load(self, lambda: (customers.get_customer(first_id), customers.get_customer(second_id)),
                  lambda pair: self.app.push_screen(MergeForm(*pair), self.merge), group="customers-edit")

    def merge(self, choice: dict | None) -> None:
        if not choice:
            return
        from solocrm_tui.core.contacts.merging import merge_customers
        from solocrm_tui.core.storage.undo import undo_batch

        self.query_one(CustomerTable).marked.clear()
        now = self.app.now()
        keep, other = choice["keep_id"], choice["other_id"]
        label = f"merging #{other} into #{keep}"

        def merged(result) -> None:
            """A merge is a batch with its own log: its undo is the batch's (as `solocrm merge --undo`)."""
            self.app.session.push_undo(label, lambda: undo_batch(result.batch_id, self.app.now(), kind="merge"))

        work.apply_change(self, lambda: merge_customers(keep, other, now, choice["prefer"]), what="customers",
                          then=merged,
                          done=lambda result: f"merged #{other} into #{keep} (ctrl+z, or solocrm merge --undo "
                                              f"{result.batch_id})")

    def action_forget(self) -> None:
        from solocrm_tui.modals.prompt import Prompt

        cid = self.focused_customer_id()
        if cid is None:
            self.cannot(NO_ROW)
            return

        def check(text: str) -> None:
            if text.strip().lower() != "forget":
                raise ValidationError('type "forget" to erase this customer for good')

        self.app.push_screen(Prompt(f"Erase customer #{cid} and everything about them (GDPR)? Orders stay, "
                                    "anonymised. This cannot be undone. Type forget to confirm.", check=check),
                             lambda text: text and self.forget(cid))

    def forget(self, cid: int) -> None:
        from solocrm_tui.core.contacts.privacy import forget_customer

        now = self.app.now()
        work.apply_change(self, lambda: forget_customer(cid, now, purge=False), what="customers",
                          done=f"customer #{cid} erased")
