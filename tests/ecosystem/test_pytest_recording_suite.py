"""pytest-recording's own test suite, nobody here wrote it: with awstape loaded, every one of
its tests ends as it does without awstape. A test that makes no AWS call is not awstape's."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from awstape.runtime import offline

VERSION = "0.14.1"  # pinned: its suite is the yardstick, so it changes only on purpose
# Its test-only dependencies, and httpbin's that the project's own do not bring (Flask,
# Werkzeug, six and cffi come with moto).
TEST_DEPENDENCIES = ("pytest-httpbin==2.1.0", "pytest-mock==3.17.0", "httpbin==0.10.4",
                     "brotlicffi==1.2.1.0", "decorator==5.3.1", "greenlet==2.0.2")
PLUGINS = ("pytest_recording.plugin", "pytest_httpbin.plugin", "pytest_mock")
_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)", re.MULTILINE)


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pytest-recording's sdist (it holds the tests) and its test-only dependencies."""
    work = tmp_path_factory.mktemp("pytest-recording")
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "download", "--no-deps", "--no-binary", ":all:", "-d", str(work),
                    f"pytest-recording=={VERSION}"], check=True, capture_output=True)
    with tarfile.open(next(work.glob("pytest_recording-*.tar.gz"))) as sdist:
        sdist.extractall(work, filter="data")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(work / "extra"),
                    *TEST_DEPENDENCIES], check=True, capture_output=True)
    return work


def outcomes(suite: Path, plugins: tuple[str, ...]) -> dict[str, str]:
    """Each test of the suite and how it ended, with exactly ``plugins`` loaded (in its own
    runs and in the pytest runs its tests make)."""
    environment = offline.environment_without_aws()
    environment.pop("PYTHONHASHSEED", None)
    environment.update({"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_PLUGINS": ",".join(plugins),
                        "PYTHONPATH": str(suite / "extra")})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=suite / f"pytest_recording-{VERSION}", env=environment, capture_output=True,
        text=True, timeout=600, check=False)
    found = {test: outcome for outcome, test in _OUTCOME.findall(done.stdout)}
    assert found, done.stdout[-3000:] + done.stderr[-3000:]  # it ran at all
    return found


def test_pytest_recordings_own_suite_ends_the_same_with_awstape(suite: Path) -> None:
    alone = outcomes(suite, PLUGINS)
    assert sum(o == "PASSED" for o in alone.values()) >= 60, alone  # the suite really ran
    beside = outcomes(suite, (*PLUGINS, "awstape.integrations.pytest_plugin"))
    changed = {t: (alone.get(t), beside.get(t)) for t in alone.keys() | beside.keys()
               if alone.get(t) != beside.get(t)}
    assert not changed, changed
