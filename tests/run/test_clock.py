import pytest

from benchlab.run.clock import ClockError, EventQueue, SimClock


def test_events_come_out_in_time_order_and_ties_first_in_first_out():
    q = EventQueue()
    for time, payload in [(5.0, "late"), (1.0, "a"), (3.0, "mid"), (1.0, "b"), (1.0, "c")]:
        q.push(time, payload)
    out = [q.pop() for _ in range(len(q))]
    assert out == [(1.0, "a"), (1.0, "b"), (1.0, "c"), (3.0, "mid"), (5.0, "late")]
    assert not q


def test_ties_never_compare_payloads():
    q = EventQueue()
    q.push(2.0, {"unorderable": 1})
    q.push(2.0, {"unorderable": 2})
    assert q.pop()[1] == {"unorderable": 1}


def test_clock_is_monotone():
    clock = SimClock()
    clock.advance_to(2.5)
    clock.advance_to(2.5)
    assert clock.now == 2.5
    with pytest.raises(ClockError):
        clock.advance_to(1.0)
