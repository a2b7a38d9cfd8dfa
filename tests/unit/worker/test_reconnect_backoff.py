"""The wait before a worker that lost Redis tries again (app.worker.running)."""

from __future__ import annotations

from app.worker.running import reconnect_delay


def test_the_wait_doubles_from_half_a_second_and_stops_growing_at_ten_seconds() -> None:
    for failures, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 10.0), (50, 10.0)]:
        for _ in range(20):  # each wait is spread ±20 % so workers do not retry in step
            assert base * 0.8 <= reconnect_delay(failures) <= base * 1.2
