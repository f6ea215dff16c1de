"""Replayed responses: times drawn from the clock at record move to replay's clock."""

from __future__ import annotations

import datetime as dt

from awstape.model.calls import operation_model
from awstape.runtime.replay_clock import ReplayClock

UTC = dt.UTC
RECORDED = dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def shape(service: str, operation: str):  # type: ignore[no-untyped-def]
    model = operation_model(service, operation)
    assert model is not None
    return model.output_shape


def keys(*dates: dt.datetime) -> dict:  # type: ignore[type-arg]
    return {"AccessKeyMetadata": [{"UserName": "u", "CreateDate": d} for d in dates],
            "ResponseMetadata": {"HTTPStatusCode": 200}}


def test_clock_drawn_times_move_and_chosen_dates_stay() -> None:
    replay = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    chosen = dt.datetime(2020, 5, 5, tzinfo=UTC)
    parsed = keys(RECORDED + dt.timedelta(seconds=3), chosen)
    ReplayClock(RECORDED).move(parsed, shape("iam", "ListAccessKeys"), replay)
    listed = parsed["AccessKeyMetadata"]
    assert listed[0]["CreateDate"] == replay  # the latest clock-drawn time is now
    assert listed[1]["CreateDate"] == chosen  # far from the recording: a date the test chose
    assert parsed["ResponseMetadata"] == {"HTTPStatusCode": 200}


def test_one_time_reads_the_same_in_every_response_and_never_in_the_future() -> None:
    clock, listing = ReplayClock(RECORDED), shape("iam", "ListAccessKeys")
    made = RECORDED + dt.timedelta(seconds=1)
    later = RECORDED + dt.timedelta(seconds=30)  # 29 s later at record, 1 s later at replay
    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    first, second = keys(made), keys(made, later)
    clock.move(first, listing, now)
    clock.move(second, listing, now + dt.timedelta(seconds=1))
    assert first["AccessKeyMetadata"][0]["CreateDate"] == now
    assert second["AccessKeyMetadata"][0]["CreateDate"] == now  # the same time, the same read
    assert second["AccessKeyMetadata"][1]["CreateDate"] <= now + dt.timedelta(seconds=1)


def test_a_time_the_test_supplied_stays_as_it_sent_it() -> None:
    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    sent = RECORDED + dt.timedelta(hours=1)  # within a day of the recording, yet the test's
    parsed = keys(RECORDED + dt.timedelta(seconds=2), sent)
    ReplayClock(RECORDED).move(parsed, shape("iam", "ListAccessKeys"), now, supplied=[sent])
    assert parsed["AccessKeyMetadata"][0]["CreateDate"] == now
    assert parsed["AccessKeyMetadata"][1]["CreateDate"] == sent
    ReplayClock(RECORDED).move(moved := keys(sent), shape("iam", "ListAccessKeys"), now)
    assert moved["AccessKeyMetadata"][0]["CreateDate"] == now  # not the test's: it moves
