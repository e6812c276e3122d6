"""Importing a CSV from a screen: the CLI's import (same matching, same report, one batch),
with the questions `--encoding`, `--dates` and `--decimal` answer on the command line
asked in a prompt. Today imports customers with it, the Products screen the catalogue."""

from __future__ import annotations

from solocrm_tui import work
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.text.figures import count
from solocrm_tui.widgets.composer import Composer

# How the app asks what `--encoding`, `--dates` and `--decimal` tell on the command line:
# the question, and each one-letter answer with the option's value.
READING_QUESTIONS = {
    "encoding": ("The file is not UTF-8. Type y to read it as {example} (Windows programs such as Outlook "
                 "and Excel write cp1252).", {"y": "{example}"}),
    "dates": ('The "{header}" column has dates like "{example}" that read both ways. '
              "Type d if the day comes first, m if the month does.", {"d": "dmy", "m": "mdy"}),
    "decimal": ('The "{header}" column has amounts like "{example}" that read both ways. '
                "Type c if its comma marks the decimals, p if its point does.", {"c": "comma", "p": "point"}),
}


class ImportsCSV:
    """For a CRMScreen with a composer: `ask_for_csv` prompts for the path and imports it."""

    def ask_for_csv(self, kind: str, question: str, placeholder: str, *, what: tuple[str, ...]) -> None:
        from solocrm_tui.core.data_io.reading import check_file
        from solocrm_tui.modals.prompt import Prompt

        self.app.push_screen(Prompt(question, placeholder=placeholder, check=check_file),  # type: ignore[attr-defined]
                             lambda path: path and self.import_csv(kind, path, what))

    def import_csv(self, kind: str, path: str, what: tuple[str, ...], **told: str) -> None:
        """A column that reads two ways is asked about (`told` holds the answers so far)."""
        from solocrm_tui.core.data_io.importing import import_file

        now, currency = self.app.now(), self.app.config.currency  # type: ignore[attr-defined]
        work.apply_change(self, lambda: import_file(kind, path, now, currency=currency, **told),  # type: ignore[arg-type]
                          what=what, then=self.show_import_report, group="csv-import",
                          refused=lambda error: self.ask_how_to_read(error, kind, path, what, told),
                          toast_refusal=False)

    def ask_how_to_read(self, error, kind: str, path: str, what: tuple[str, ...], told: dict[str, str]) -> None:
        from solocrm_tui.core.data_io.reading import Undecided
        from solocrm_tui.modals.prompt import Prompt

        if not isinstance(error, Undecided) or error.option in told:
            work.not_done(self.app, error)  # type: ignore[attr-defined]
            return
        question, answers = READING_QUESTIONS[error.option]
        answers = {key: value.format(example=error.example) for key, value in answers.items()}
        self.app.push_screen(  # type: ignore[attr-defined]
            Prompt(question.format(header=error.header, example=error.example), placeholder="/".join(answers),
                   check=lambda text: _answer(text, answers)),
            lambda text: text and self.import_csv(kind, path, what, **told,
                                                  **{error.option: _answer(text, answers)}))

    def show_import_report(self, report) -> None:
        """The import's summary in a short toast (the whole report covered the screen at 80
        columns); the whole report goes to the composer log, where ctrl+l reads it."""
        notes = f", {count(report.notes, 'note')} on timelines" if report.notes else ""
        renamed = f" (renamed {report.renamed:,})" if report.renamed else ""
        lines = [f"{report.preset + ': ' if report.preset else ''}added {report.inserted:,}, "
                 f"updated {report.updated:,}{renamed}{notes}"]
        if report.unread_columns:
            lines.append(report.unread_hint)
        if report.rejected:
            lines.append(f"{count(report.rejected, 'row')} refused: ctrl+l shows which and why")
        elif report.issues or report.recovered:
            lines.append(f"{count(len(report.issues) + len(report.recovered), 'note')}: ctrl+l shows them")
        composer = self.query_one(Composer)  # type: ignore[attr-defined]
        for line in report.lines():
            composer.say(line, "error" if line.lstrip().startswith("line ") and "rejected:" in line else "hint")
        work.toast(self.app, "\n".join(lines), lines=True, title="Import",  # type: ignore[attr-defined]
                   severity="information" if report.ok else "warning")


def _answer(text: str, answers: dict[str, str]) -> str:
    key = text.strip().casefold()[:1]
    if key not in answers:
        raise ValidationError(f"type {' or '.join(answers)}")
    return answers[key]
