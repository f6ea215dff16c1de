"""A test without ``@pytest.mark.vcr`` gets nothing of awstape's; a marked one gets its
cassette before its own fixtures run, so that their calls are on the tape."""

from __future__ import annotations

from .conftest import Project

FIXTURES = '''
import pytest


@pytest.fixture
def own():
    return "own"


def test_unmarked(request, own):
    assert "awstape" not in request.fixturenames


@pytest.mark.vcr
def test_marked(request, own):
    names = request.fixturenames
    assert names.index("vcr") < names.index("awstape") < names.index("own"), names
'''


def test_only_marked_tests_get_the_awstape_fixture_and_before_their_own(
        project: Project) -> None:
    project.write("test_user.py", FIXTURES)
    project.pytest(offline=True).assert_outcomes(passed=2)
