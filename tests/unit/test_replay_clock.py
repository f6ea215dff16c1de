"""Replayed responses: times drawn from the clock at record move to replay's clock."""

from __future__ import annotations

import datetime as dt

from awstape.model.calls import operation_model
from awstape.runtime.replay_clock import moved

UTC = dt.UTC


def test_clock_drawn_times_move_and_chosen_dates_stay() -> None:
    model = operation_model("iam", "ListAccessKeys")
    assert model is not None
    recorded_at = dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    replay = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    chosen = dt.datetime(2020, 5, 5, tzinfo=UTC)
    parsed = {"AccessKeyMetadata": [
        {"UserName": "u", "CreateDate": recorded_at + dt.timedelta(seconds=3)},
        {"UserName": "v", "CreateDate": chosen}], "ResponseMetadata": {"HTTPStatusCode": 200}}
    moved(parsed, model.output_shape, recorded_at, replay)
    keys = parsed["AccessKeyMetadata"]
    assert keys[0]["CreateDate"] == replay  # the latest clock-drawn time is now
    assert keys[1]["CreateDate"] == chosen  # far from the recording: a date the test chose
    assert parsed["ResponseMetadata"] == {"HTTPStatusCode": 200}
    moved(parsed, model.output_shape, recorded_at, replay - dt.timedelta(days=30))
    assert keys[0]["CreateDate"] == replay  # never moved back, nor into the future
