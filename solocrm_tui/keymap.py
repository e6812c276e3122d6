"""The [keys] section checked against the bindings the app really declares.

Textual applies a keymap silently: an id that matches no binding does nothing, and a
key moved onto another action's key leaves that action without one (its own clash
check misses the case). So the binding ids are gathered here, once, from the classes
that declare them (each binding lives where its behaviour does), and a keymap is
refused at start with one line instead.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import pkgutil

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode

from solocrm_tui.core.errors import ValidationError

UI_PACKAGES = ("solocrm_tui.screens", "solocrm_tui.widgets", "solocrm_tui.modals")


@functools.cache
def scopes() -> dict[str, list[tuple[str, Binding]]]:
    """Each of our classes with bindings -> its (key, binding) pairs, inherited ones
    included: the set Textual consults together when that screen or widget is active."""
    importlib.import_module("solocrm_tui.app")
    for package in UI_PACKAGES:
        for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
            importlib.import_module(f"{package}.{module.name}")
    found = {}
    pending = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("solocrm_tui."):
            pairs = [(key, binding) for key, bindings in cls._merge_bindings().key_to_bindings.items()
                     for binding in bindings]
            if pairs:
                found[f"{cls.__module__}.{cls.__qualname__}"] = pairs
    return found


def binding_ids() -> set[str]:
    return {binding.id for pairs in scopes().values() for _, binding in pairs if binding.id}


def check_keymap(keymap: dict[str, str]) -> None:
    """Refuse an unknown binding id (with close matches), a blank key, and a key that
    another action in the same screen or widget already answers to."""
    known = binding_ids()
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, known, n=3)
            hint = f"did you mean {' or '.join(close)}?" if close else "press ? in the app to see the keys"
            raise ValidationError(f"config: keys.{binding_id} is not a key binding id ({hint})")
        if not keys.strip(" ,"):
            raise ValidationError(f"config: keys.{binding_id} must name a key, like \"x\" or \"ctrl+e\"")
    wanted = App._normalize_keymap(keymap)
    for pairs in scopes().values():
        answers: dict[str, dict[str, Binding]] = {}  # key -> the actions that would answer it
        for key, binding in pairs:
            name = binding.id or binding.action
            new_keys = wanted[binding.id].split(",") if binding.id in wanted else [key]
            for new_key in new_keys:
                answers.setdefault(new_key, {})[name] = binding
        for key, actions in answers.items():
            moved = [name for name in actions if name in wanted]
            if len(actions) > 1 and moved:
                other = actions[next(name for name in actions if name != moved[0])]
                what = f"{other.id} ({other.description})" if other.id else other.description or other.action
                remedy = f"give {other.id} another key too, or choose another" if other.id else "choose another"
                raise ValidationError(f'config: keys.{moved[0]} = "{keymap[moved[0]]}" is already '
                                      f"the key of {what} on the same screen; {remedy}")
