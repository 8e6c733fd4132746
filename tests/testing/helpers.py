"""Asserting how a conformance check fails."""

from __future__ import annotations

import pytest

from benchlab.errors import ConformanceError, UserError


def assert_fails(check, subject, page: str, *needles: str) -> str:
    """`check(subject)` raises a one-line ConformanceError naming `page` and every needle."""
    with pytest.raises(ConformanceError) as info:
        check(subject)
    message = str(info.value)
    assert isinstance(info.value, UserError) and isinstance(info.value, AssertionError)
    assert "\n" not in message and page in message, message
    for needle in needles:
        assert needle in message, message
    return message
