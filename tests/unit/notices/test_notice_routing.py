"""Choosing a notice's push channel from the person's order, and reading the web form's order."""

from __future__ import annotations

import pytest

from app.config import load_settings
from app.errors import RuleViolation
from app.notices.models import DeliveryChannel
from app.notices.preferences import order_from_ranks, parse_order, route
from app.worker import _sweep_seconds

WECHAT, ALIPAY, SMS = DeliveryChannel.WECHAT, DeliveryChannel.ALIPAY, DeliveryChannel.SMS


def test_the_first_preferred_channel_that_can_reach_the_person_is_chosen() -> None:
    assert route([WECHAT, SMS], lambda c: c is not WECHAT, tried=()) is SMS
    assert route([SMS, WECHAT], lambda c: True, tried=()) is SMS


def test_a_channel_already_tried_for_the_notice_is_not_chosen_again() -> None:
    assert route([WECHAT, ALIPAY, SMS], lambda c: True, tried={WECHAT}) is ALIPAY
    assert route([WECHAT, SMS], lambda c: True, tried={WECHAT, SMS}) is None


def test_no_channel_chosen_means_the_inbox_only() -> None:
    assert route([], lambda c: True, tried=()) is None


def test_the_order_keeps_known_channels_once_each() -> None:
    assert parse_order(["sms", "wechat"]) == [SMS, WECHAT]
    assert parse_order([]) == []
    with pytest.raises(RuleViolation) as unknown:
        parse_order(["in_app"])  # the inbox is always on, not a choice
    assert set(unknown.value.fields) == {"channels"}
    with pytest.raises(RuleViolation):
        parse_order(["sms", "sms"])


def test_the_forms_places_become_an_order_and_a_clash_names_the_field() -> None:
    assert order_from_ranks({"wechat": "2", "alipay": "", "sms": "1"}) == [SMS, WECHAT]
    assert order_from_ranks({}) == []
    with pytest.raises(RuleViolation) as clash:
        order_from_ranks({"wechat": "1", "alipay": "1"})
    assert set(clash.value.fields) == {"alipay"}
    with pytest.raises(RuleViolation):
        order_from_ranks({"sms": "9"})


def test_the_sweep_runs_once_a_minute_unless_told_more_often() -> None:
    assert _sweep_seconds(load_settings({})) == {45}
    every_15 = load_settings({"ONETHING_NOTICE_SWEEP_SECONDS": "15"})
    assert _sweep_seconds(every_15) == {0, 15, 30, 45}
