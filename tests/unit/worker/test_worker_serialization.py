"""The job queue never uses pickle."""

from __future__ import annotations

import pickle

import pytest

from app.composition.queue import deserialize, serialize


def test_job_payload_round_trips_through_msgpack() -> None:
    payload = {"t": 1, "f": "heartbeat", "a": [], "k": {"application_id": "a1"}, "et": 1}
    assert deserialize(serialize(payload)) == payload


def test_a_failed_job_result_is_stored_as_text() -> None:
    data = deserialize(serialize({"r": ValueError("boom"), "s": False}))
    assert data["r"] == "ValueError: boom"


def test_pickled_payloads_are_refused() -> None:
    with pytest.raises(Exception, match=r"(?i)msgpack|malformed|invalid|unexpected"):
        deserialize(pickle.dumps({"f": "heartbeat"}))
