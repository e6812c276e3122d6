"""The composer: a one-line chat input with a small log of answers above it.

It parses and carries out commands in a thread worker (core.composer.execute), asks the
screen which customer is in focus, and keeps `/undo` and the answer log in the app's
ComposerSession so they follow the owner from screen to screen.

A write waits up to the busy timeout while another writer (a second app, an import)
holds the database: after a second the log says it is still saving, and if it gives up
the line gets its ✗ and the typed text goes back into the empty field (and stays in
the ↑ history), so nothing typed is ever lost.
"""

from __future__ import annotations

from collections import deque

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from solocrm_tui import paths, work
from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.contacts.search import find_by_name
from solocrm_tui.core.errors import CRMError, DatabaseBusy
from solocrm_tui.core.mail import templates
from solocrm_tui.core.sales import products
from solocrm_tui.widgets import editor
from solocrm_tui.widgets.line_view import LineView
from solocrm_tui.work import ReportWorkerErrors

STILL_SAVING_SECONDS = 1.0  # a write still running after this is waiting for another writer


class ComposerInput(Input):
    """Input with Tab completion and ↑/↓ history; Esc hands focus back to the screen.

    Enter takes the line and empties the field in one step: keys that arrive right after
    it (fast typing, a paste delivered as keystrokes) start the next line instead of being
    glued to one still on its way to the composer.
    """

    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False, priority=True, id="composer.complete"),
        Binding("up", "history(-1)", "Previous", show=False, id="composer.history_back"),
        Binding("down", "history(1)", "Next", show=False, id="composer.history_forward"),
        Binding("escape", "leave", "Leave", id="composer.leave"),  # the way out of the field, in its footer
    ]

    def action_complete(self) -> None:
        """Tab is a priority binding (it would move focus otherwise), so it runs as it arrives:
        what was typed just before it, in the same burst, is read once the field has it."""
        self.call_later(lambda: self.parent.complete(self.value))  # type: ignore[union-attr]

    def action_history(self, step: int) -> None:
        self.parent.step_history(step)  # type: ignore[union-attr]

    def action_leave(self) -> None:
        self.screen.focus_main()

    def _on_key(self, event: events.Key) -> None:
        """Enter is taken here, in the field's own queue, in order with the characters typed
        before it. Left to the Input's binding it would bubble to the app and wait behind
        keys that arrived after it, which then glue the next line onto this one."""
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.submit_line()

    async def action_submit(self) -> None:
        self.submit_line()

    def submit_line(self) -> None:
        line, self.value = self.value, ""
        self.post_message(self.Submitted(self, line))

    def _on_paste(self, event: events.Paste) -> None:
        """A pasted block is several commands: each complete line is submitted in order;
        a last line with no line break after it stays in the field to be finished."""
        lines = event.text.splitlines()
        if len(lines) < 2 and not event.text.endswith(("\n", "\r")):
            return  # one line: Input inserts it as usual
        event.prevent_default()
        event.stop()
        finished = lines if event.text.endswith(("\n", "\r")) else lines[:-1]
        head = self.value[:self.cursor_position] + finished[0] if finished else ""
        for line in [head, *finished[1:]]:
            self.post_message(self.Submitted(self, line))
        self.value = "" if finished is lines else lines[-1]
        self.cursor_position = len(self.value)


class ComposerLog(LineView, can_focus=False):
    """The chat-like log: what the owner typed and what the app answered, styled by kind.

    Drawn as lines (see LineView), so catching up on a screen switch costs no widgets.
    """

    KINDS = ("echo", "answer", "error", "hint")
    COMPONENT_CLASSES = {f"composer-log--{kind}" for kind in KINDS}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.items: list[tuple[str, str]] = []

    def show(self, items: list[tuple[str, str]]) -> None:
        self.items = items
        self.relayout()
        self.scroll_end(animate=False, immediate=True, force=True)

    def on_new_width(self) -> None:
        self.scroll_end(animate=False, immediate=True, force=True)

    def build(self, width: int) -> list[Strip]:
        strips = []
        for text, kind in self.items:
            style = self.get_component_rich_style(f"composer-log--{kind}")
            strips += [self.placed(line, style, width) for line in self.wrap(text, width)]
        return strips


def _mentions(names) -> list[str]:
    """@names to insert; customers who share a name are offered by id (@#42)."""
    shared = {n.name for n in names if sum(m.name == n.name for m in names) > 1}
    return [(f"@#{n.id} " if n.name in shared else "@" + n.name.replace(" ", "_") + " ") for n in names]


def _written(outcome: execute.Outcome) -> tuple[str, ...]:
    """What a composer command changed: the command that wrote (an undoable outcome is a
    write); /find, /go and /help wrote nothing, so no screen reloads for them."""
    return (outcome.undo_label,) if outcome.undo_label else ()


class Composer(ReportWorkerErrors, Vertical):
    def __init__(self) -> None:
        super().__init__(id="composer")
        self._history_index: int | None = None
        # (typed line, customer in focus, deal selected, the command when it was not typed: a written email)
        self.pending: deque[tuple[str, int | None, int | None, grammar.Command | None]] = deque()
        self.busy = False
        self._still_saving: Timer | None = None

    def compose(self) -> ComposeResult:
        yield ComposerLog(id="composer-log")
        # Not selected on focus: `c` and `f` pre-fill "/call @Name " and the next key must add to it.
        yield ComposerInput(placeholder="note · /command · @name   (? help · ^l log · Tab completes)",
                            id="composer-input", select_on_focus=False)

    def say(self, text: str, kind: str = "answer", *, transient: bool = False) -> None:
        """Add a line (kinds: echo, answer, error, hint) to the shared log and show its tail
        here; a `transient` line is a status that leaves the tail at the next line typed or
        the next screen (see session)."""
        self.app.session.say(text, kind, self.app.now(), transient=transient)
        self.show_tail()

    def show_tail(self) -> None:
        self.query_one(ComposerLog).show([(line.text, line.kind) for line in self.app.session.tail(self.app.now())])

    def on_show(self) -> None:
        self.catch_up()

    def catch_up(self) -> None:
        """The log is shared by every screen: show what is still worth reading of what was
        said here or elsewhere (coming to another screen drops the status lines)."""
        self.app.session.entered(id(self.screen))
        self.show_tail()

    @on(Input.Submitted, "#composer-input")
    def submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        self._history_index = None
        self.app.session.remember(text)
        self.run(text, self.screen.focused_customer_id(), self.screen.focused_deal_id())

    def run(self, text: str, focus: int | None, deal: int | None = None) -> None:
        """Queue one line; lines run strictly in order, one at a time, each answered once.
        `focus` is the customer in focus when the line was typed, `deal` the deal selected."""
        self.pending.append((text, focus, deal, None))
        self._next()

    def undo(self) -> None:
        """`/undo` (and ctrl+z): queued behind what was typed before it."""
        self.run("/undo", None)

    def _next(self) -> None:
        """Start queued lines until one needs a worker; lines answered on the spot (a typo,
        /undo list, nothing to undo) don't wait, and a long pasted block doesn't recurse."""
        while not self.busy and self.pending:
            text, focus, deal, command = self.pending.popleft()
            now = self.app.now()
            if command is None:
                self.say(f"› {text}", "echo")
                try:
                    command = grammar.parse(text, now)
                except CRMError as exc:  # refused in the log (the owner is looking at it), nothing changed
                    self.say(f"✗ {exc}", "error")
                    continue
            if isinstance(command, grammar.Undo):
                self._undo(command)
                continue
            self.busy = True
            ctx = execute.Context(now, focus, self.app.config.currency, self.app.config.lifecycle,
                                  self.app.config.owner, paths.quotes_dir(self.app.db_path),
                                  paths.config_path(), deal, self.app.config.mail, paths.templates_dir(),
                                  paths.drafts_dir(self.app.db_path))
            work.apply_change(self, lambda: execute.execute(command, ctx), what=_written, then=self._answered,
                              refused=lambda exc, typed=text: self._refused(typed, exc), toast_refusal=False,
                              undo_as=lambda outcome: outcome.undo_label, group="composer")

    def _refused(self, typed: str, error: CRMError) -> None:
        self.say(f"✗ {error}", "error")
        field = self.query_one(ComposerInput)
        if isinstance(error, DatabaseBusy) and not field.value:  # Enter sends it again
            field.value = typed
            field.cursor_position = len(typed)

    def _undo(self, command: grammar.Undo) -> None:
        stack = self.app.session.undo_stack
        if not stack:
            self.say("nothing to undo", "hint")
        elif command.list_only:
            self.say(f"ctrl+z or /undo takes back, newest first ({len(stack)}):")
            for label, _ in reversed(stack):
                self.say(f"  {label}", "hint")
        else:
            label, undo = self.app.session.pop_undo()
            self.busy = True
            work.apply_change(self, undo, what="undo", then=lambda _: self.say(f"↶ undid {label}"),
                              refused=lambda exc: self.say(f"✗ {exc}", "error"), toast_refusal=False,
                              group="composer")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The next queued line starts when this one's worker has ended, however it ended
        (answered, refused, or failed and reported by the error policy)."""
        super().on_worker_state_changed(event)
        if event.worker.group != "composer":
            return
        if event.state == WorkerState.RUNNING:
            self._still_saving = self.set_timer(STILL_SAVING_SECONDS, lambda: self.say(
                "… still saving: waiting for the database (another SoloCRM or an import is writing)", "hint",
                transient=True))
        elif event.worker.is_finished:
            if self._still_saving is not None:
                self._still_saving.stop()
                self._still_saving = None
            self.busy = False
            self._next()

    def _answered(self, outcome: execute.Outcome) -> None:
        """A command that changes screen is answered by the screen; its line is a status."""
        if outcome.message:
            self.say(outcome.message, transient=bool(outcome.go))
        if outcome.draft is not None:
            self._write(outcome.draft)
        if outcome.opens == "help":  # about the screen's keys: its main widget's, not this field's
            self.screen.focus_main()
            self.app.call_later(self.app.action_toggle_help)
        elif outcome.opens == "log":
            self.app.action_show_log()
        if outcome.go:
            self.app.action_go(outcome.go)
        if outcome.find is not None:
            self.screen.action_search(outcome.find)

    def _write(self, draft) -> None:
        """The editor runs on the UI thread, the app suspended; the send is the next line
        in the queue (this one's worker is still finishing), so nothing typed overtakes it.
        The time in the editor is the owner's, not a wait for the database: no "still saving"."""
        if self._still_saving is not None:
            self._still_saving.stop()
            self._still_saving = None
        try:
            written = editor.write_email(self.app, draft)
        except CRMError as exc:
            self.say(f"✗ {exc}", "error")
            return
        self.say(f"sending “{written.subject}” to {written.to} …", "hint", transient=True)
        self.pending.appendleft(("", None, None, grammar.SendEmail(draft.customer_id, written)))

    def step_history(self, step: int) -> None:
        history = self.app.session.history
        if not history:
            return
        index = len(history) if self._history_index is None else self._history_index
        index = max(0, min(len(history), index + step))
        self._history_index = index
        field = self.query_one(ComposerInput)
        field.value = history[index] if index < len(history) else ""
        field.cursor_position = len(field.value)

    def complete(self, value: str) -> None:
        """Tab: a command completes at once; an @name asks the database for matching customers,
        the item being typed in /buy for matching products, a template's name (/template,
        /email) for the templates there are."""
        head, _, last = value.rpartition(" ")
        item = grammar.item_being_typed(value)
        if " " not in value and value.startswith("/"):
            self._completed(value, head, [w + " " for w in grammar.complete_command(value)])
        elif last.startswith("@") and len(last) > 1:
            typed = last[1:].replace("_", " ").strip('"')
            work.load(self, lambda: find_by_name(typed, 8),
                      lambda names: self._completed(value, head, _mentions(names)), group="composer-complete")
        elif item is not None:
            before, typed = item
            work.load(self, lambda: [p.name for p in products.complete(typed)],
                      lambda names: self._completed(value, before, names), group="composer-complete")
        elif (template := grammar.template_being_typed(value)) is not None:
            before, typed = template
            work.load(self, lambda: templates.templates_starting(paths.templates_dir(), typed),
                      lambda names: self._completed(value, before, names), group="composer-complete")

    def _completed(self, value: str, head: str, options: list[str]) -> None:
        field = self.query_one(ComposerInput)
        if field.value != value:
            return  # the owner kept typing; the completion is stale
        self.app.session.drop_hints()
        self.show_tail()
        if len(options) == 1:
            field.value = (head + " " if head else "") + options[0]
            field.cursor_position = len(field.value)
        elif options:
            self.say("  ".join(o.strip() for o in options), "hint", transient=True)
