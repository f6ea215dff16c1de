"""The AWS environment set for a block and put back exactly as it was."""

from __future__ import annotations

import os

import pytest

from awstape.runtime import environment


def test_variables_are_set_cleared_and_put_back_as_they_were(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "developer")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    before = dict(os.environ)
    with environment.variables({"AWS_REGION": "us-east-1", "AWSTAPE_TEST_NEW": "1"}):
        assert "AWS_PROFILE" not in os.environ  # cleared
        assert os.environ["AWS_REGION"] == "us-east-1"  # cleared, then set
        assert os.environ["AWSTAPE_TEST_NEW"] == "1"
        os.environ["AWS_SESSION_TOKEN"] = "set-by-the-test"  # absent before: removed after
        os.environ["AWS_PROFILE"] = "changed-by-the-test"  # present before: put back
    assert dict(os.environ) == before


def test_isolation_knows_nothing_of_the_developers_identity(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA" + "DEVELOPERKEY0000")
    monkeypatch.setenv("AWS_PROFILE", "developer")
    with environment.isolation("eu-central-1"):
        assert os.environ["AWS_ACCESS_KEY_ID"] == environment.DUMMY_ACCESS_KEY_ID
        assert os.environ["AWS_DEFAULT_REGION"] == "eu-central-1"
        assert os.environ["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIA" + "DEVELOPERKEY0000"
