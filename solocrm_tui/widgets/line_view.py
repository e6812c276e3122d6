"""A scrollable view that draws pre-rendered lines with Textual's line API.

The timeline and the composer log show many short entries. As one widget per entry,
a long history cost hundreds of widgets, and Textual spends far more time styling and
laying out widgets than drawing text. Here the whole list is one widget: subclasses
turn their items into `Strip`s for the current width, and `render_line` hands out the
visible ones. The strips are rebuilt when the width or the theme changes.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from solocrm_tui.text.visible import visible


class LineView(ScrollView):
    """Subclasses get their height from CSS (never `auto`): the number of lines only moves
    the scrollbar, so a new line costs a repaint of this widget, not a screen layout. The
    vertical scrollbar is always shown because lines are laid out for the width beside it;
    if it came and went, every line would need laying out again."""

    DEFAULT_CSS = """
    LineView {
        overflow-x: hidden;
        overflow-y: scroll;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._strips: list[Strip] = []
        self._laid_out_width = 0
        self._base_style: Style | None = None

    @property
    def lines(self) -> list[Strip]:
        """The laid-out lines, top to bottom (empty until the view has a width)."""
        return self._strips

    @property
    def base_style(self) -> Style:
        """The view's own style (kept: Textual works it out from every ancestor per call)."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    @property
    def content_width(self) -> int:
        return self.scrollable_content_region.width

    def build(self, width: int) -> list[Strip]:
        """Every line of the view for `width` cells (subclasses)."""
        raise NotImplementedError

    def forget_rendering(self) -> None:
        """Drop anything cached for the old width or theme (subclasses that cache)."""

    def relayout(self) -> None:
        """Rebuild the lines; without a size (before the first layout, or hidden, as the
        customer's timeline is while another tab shows) this waits for the next one. The
        width laid out for is forgotten then: a timeline changed while hidden came back at
        its old width and kept the old lines (an undone note still showed)."""
        width = self.content_width
        if width <= 0:
            self._laid_out_width = 0
            return
        if width != self._laid_out_width:
            self.forget_rendering()
        self._laid_out_width = width
        self._strips = self.build(width)
        size = Size(width, len(self._strips))
        if size != self.virtual_size:
            self.set_reactive(LineView.virtual_size, size)  # no screen layout: see the class docstring
            self._scroll_update(size)
        self.refresh()

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        """Lay the lines out for a new width inside the layout pass, not on the Resize event
        that follows it: the frame drawn right after this layout then already shows them
        (one frame instead of two when a screen opens)."""
        resized = super()._size_updated(size, virtual_size, container_size, layout)
        if self.content_width != self._laid_out_width:
            self.relayout()
            self.on_new_width()
        return resized

    def on_new_width(self) -> None:
        """Called after the lines were laid out for a new width (subclasses)."""

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None
        self.forget_rendering()
        if self._laid_out_width:
            self.relayout()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.content_width
        if index >= len(self._strips):
            return Strip.blank(width, self.base_style)
        strip = self._strips[index]
        if scroll_x == 0 and strip.cell_length == width:  # laid out for this width: the usual case
            return strip
        return strip.crop_extend(scroll_x, scroll_x + width, self.base_style)

    # helpers for subclasses

    def wrap(self, text: str, width: int) -> list[str]:
        """`text` word-wrapped to `width` cells, tabs expanded, and control, escape and bidi
        characters made visible (an imported note can hold an escape sequence); newlines
        are kept for the wrapper, which breaks lines at them."""
        if text.isprintable() and cell_len(text) <= width:  # one short plain line: nothing to do
            return [text.rstrip()]
        text = visible(text, lines=True)
        return [line.plain.rstrip() for line in Text(text).wrap(self.app.console, max(1, width))] or [""]

    def placed(self, text: str, style: Style, width: int, align: str = "left") -> Strip:
        """One line of `text` in `style`, placed left, centre or right in `width` cells."""
        gap = max(0, width - cell_len(text))
        left = {"left": 0, "center": gap // 2, "right": gap}[align]
        base = self.base_style
        return Strip([Segment(" " * left, base), Segment(text, style), Segment(" " * (gap - left), base)], width)
