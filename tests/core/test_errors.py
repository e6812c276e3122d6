"""ValidationError.field: which form field a refusal belongs under, without changing the
one-line message every caller prints."""

from __future__ import annotations

import pickle

from solocrm_tui.core.errors import CRMError, ValidationError


def test_the_message_stays_the_one_line_and_the_field_is_optional():
    plain = ValidationError("amount must not be negative")
    named = ValidationError('"x@" is not a valid email address', field="email")
    assert (str(plain), plain.field) == ("amount must not be negative", None)
    assert (str(named), named.field) == ('"x@" is not a valid email address', "email")
    assert isinstance(named, CRMError)


def test_the_field_survives_pickling():
    copy = pickle.loads(pickle.dumps(ValidationError("title is required", field="title")))
    assert (type(copy), str(copy), copy.field) == (ValidationError, "title is required", "title")
