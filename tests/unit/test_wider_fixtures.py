"""Which class- and module-scoped fixtures play a cassette of their own."""

from __future__ import annotations

from types import SimpleNamespace

import pytest_recording.plugin

from awstape.integrations.pytest_session import is_machinery


def a_users_module_fixture() -> None:
    """Stands for a conftest's fixture that makes a bucket."""


def test_the_users_fixtures_play_and_the_recording_machinerys_do_not() -> None:
    assert not is_machinery(SimpleNamespace(func=a_users_module_fixture))
    # pytest-recording's module-scoped cassette folder: asked for by every module's tests
    assert is_machinery(SimpleNamespace(func=pytest_recording.plugin.vcr_cassette_dir))
