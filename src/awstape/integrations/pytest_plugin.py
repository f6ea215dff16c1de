"""The pytest plugin. Tests opt in with pytest-recording's ``@pytest.mark.vcr``.

pytest-recording keeps its options, markers and cassette paths; awstape adds, per marked test,
a tape that answers botocore from the same cassette file, and fixes two of pytest-recording's
traps: ``--record-mode`` on the command line always wins over ``vcr_config`` and markers, and
``rewrite`` no longer deletes the old cassette before the test has passed.
"""

from __future__ import annotations

import json
import os
import random
import secrets
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from awstape.integrations import vcrpy_bridge
from awstape.lifecycle import rerecord
from awstape.model.errors import ConfigError
from awstape.redaction import rules
from awstape.redaction.redactor import Redactor
from awstape.runtime import engine, environment, standin
from awstape.runtime.recording import RecordMode, Target, Use, use_cassette
from awstape.storage import fileformat

_passed = pytest.StashKey[bool]()
_mode = pytest.StashKey[RecordMode]()
_standin = pytest.StashKey[Any]()
_rules = pytest.StashKey[rules.Rules]()
_listed = pytest.StashKey[list[dict[str, Any]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("awstape", "awstape: record and replay AWS calls")
    group.addoption(
        "--aws-standin", action="store_true", default=False,
        help="Record against moto in server mode, started on loopback for the session, with "
             "fake credentials (no AWS account needed).",
    )
    group.addoption(
        "--awstape-allow-unused", action="store_true", default=False,
        help="Do not fail tests that leave recorded AWS calls unplayed.",
    )
    group.addoption(
        "--awstape-staging", metavar="DIR", default=None,
        help="Write recorded cassettes under DIR (mirroring their paths) instead of in place, "
             "with a manifest of the tests' outcomes; used by `awstape rerecord`.",
    )
    group.addoption(
        "--awstape-list", metavar="FILE", default=None,
        help="Write each recorded test's cassette path (and whether it exists) to FILE as "
             "JSON, and skip the tests; used by `awstape audit`.",
    )
    parser.addini("awstape_allow_unused", type="bool", default=False,
                  help="Do not fail tests that leave recorded AWS calls unplayed.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "awstape(allow_unused=False): awstape options for one test or class."
    )
    engine.install()
    try:
        config.stash[_rules] = rules.load(config.rootpath)
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    if config.getoption("--aws-standin"):
        stack = standin.running()
        server = stack.__enter__()
        region = os.environ.get("AWS_DEFAULT_REGION") or environment.DEFAULT_REGION
        variables = environment.variables(environment.isolated(region, server.endpoint_url))
        variables.__enter__()
        config.stash[_standin] = (server, stack, variables)


def pytest_report_header(config: pytest.Config) -> str:
    found = config.stash.get(_rules, None)
    own = len(found.paths) + len(found.headers) + len(found.regexes) if found else 0
    return (f"awstape: redaction by botocore's models and built-in rules, plus {own} rule(s) "
            f"from [tool.awstape] redact ('awstape rules' lists them)")


def pytest_unconfigure(config: pytest.Config) -> None:
    started = config.stash.get(_standin, None)
    if started is not None:
        _, stack, variables = started
        variables.__exit__(None, None, None)
        stack.__exit__(None, None, None)


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_persister(vcrpy_bridge.SharedFilePersister)


def _record_mode(request: pytest.FixtureRequest) -> RecordMode:
    """The command line first, then markers (closest first), then ``vcr_config``, then none."""
    cli = request.config.getoption("--record-mode")
    if cli:
        return cli  # type: ignore[no-any-return]
    for marker in request.node.iter_markers("vcr"):
        if "record_mode" in marker.kwargs:
            return marker.kwargs["record_mode"]  # type: ignore[no-any-return]
    return request.getfixturevalue("vcr_config").get("record_mode", "none")  # type: ignore[no-any-return]


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: Any, request: pytest.FixtureRequest
) -> Generator[None, Any, Any]:
    """Before pytest-recording opens its vcrpy cassette, put awstape's choices first."""
    if fixturedef.argname == "vcr" and _is_recorded(request):
        mode = request.node.stash[_mode] = _record_mode(request)
        vcrpy_bridge.discard_saves = False
        markers = request.getfixturevalue("vcr_markers")
        vcr_config = request.getfixturevalue("vcr_config")
        user_hook = vcr_config.get("before_record_request")
        user_response_hook = vcr_config.get("before_record_response")
        for marker in reversed(markers):  # pytest-recording's merge order: closest last
            user_hook = marker.kwargs.get("before_record_request", user_hook)
            user_response_hook = marker.kwargs.get("before_record_response", user_response_hook)
        # The closest marker wins in pytest-recording's merge: ours goes first.
        markers.insert(0, pytest.mark.vcr(
            record_mode="all" if mode == "rewrite" else mode,
            before_record_request=vcrpy_bridge.request_hook(user_hook),
            before_record_response=vcrpy_bridge.response_hook(user_response_hook),
        ).mark)
    return (yield)


def _is_recorded(request: pytest.FixtureRequest) -> bool:
    return (request.node.get_closest_marker("vcr") is not None
            and not request.config.getoption("--disable-recording"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, Any]:
    report = yield
    if report.when == "call":
        item.stash[_passed] = report.passed
    return report


@pytest.fixture(autouse=True)
def awstape(request: pytest.FixtureRequest, vcr: Any) -> Iterator[Use | None]:
    """The cassette in use for a ``@pytest.mark.vcr`` test (None for other tests)."""
    if not _is_recorded(request):
        yield None
        return
    directory = Path(request.getfixturevalue("vcr_cassette_dir"))
    path = directory / f"{request.getfixturevalue('default_cassette_name')}.yaml"
    listing = request.config.getoption("--awstape-list")
    if listing:
        request.config.stash.setdefault(_listed, []).append(
            {"test": request.node.nodeid, "cassette": str(path.resolve()),
             "exists": path.is_file()})
        pytest.skip("awstape: listing cassettes only")
    committed = path
    staging = request.config.getoption("--awstape-staging")
    if staging:
        path = _staged(Path(staging), request.config.rootpath, path)
        vcrpy_bridge.redirects[str(committed)] = str(path)
    options = request.node.get_closest_marker("awstape")
    allow_unused = bool(
        (options.kwargs.get("allow_unused") if options else None)
        or request.config.getoption("--awstape-allow-unused")
        or request.config.getini("awstape_allow_unused")
    )
    started = request.config.stash.get(_standin, None)
    target = Target("standin", moto_version=started[0].moto_version) if started else None
    hint = _rerecord_command(request, standin_hint=bool(started) or _recorded_on_standin(path))
    with use_cassette(
        path,
        request.node.stash.get(_mode, "none"),
        allowed_hosts=request.getfixturevalue("allowed_hosts") or (),
        allow_unused=allow_unused,
        rerecord_hint=hint,
        target=target,
        redactor=Redactor(request.config.stash[_rules]),
        previous=committed,
    ) as use:
        yield use
        passed = request.node.stash.get(_passed, False)
        vcrpy_bridge.discard_saves = not passed
        use.finish(passed)
        if staging:
            request.config.stash.setdefault(_listed, []).append(
                {"test": request.node.nodeid, "cassette": str(committed.resolve()),
                 "staged": str(path.resolve()), "passed": passed})


def _staged(staging: Path, root: Path, path: Path) -> Path:
    absolute = path.resolve()
    relative = absolute.relative_to(root) if absolute.is_relative_to(root) \
        else absolute.relative_to(absolute.anchor)
    return staging / relative


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the cassette list (``--awstape-list``) or the staging manifest, even when the
    run was interrupted: what it holds was settled test by test."""
    config = session.config
    target = config.getoption("--awstape-list") or (
        Path(config.getoption("--awstape-staging")) / rerecord.STAGING_MANIFEST
        if config.getoption("--awstape-staging") else None)
    if target:
        fileformat.write_atomically(Path(target), json.dumps(
            {"root": str(config.rootpath), "tests": config.stash.get(_listed, [])}, indent=2))


@pytest.fixture
def awstape_random(awstape: Use | None) -> random.Random:
    """A random generator seeded per test; the seed is kept in the cassette, so that names
    built from it (unique per recording) come out the same at replay."""
    return random.Random(awstape.seed() if awstape is not None else secrets.randbits(32))


def _rerecord_command(request: pytest.FixtureRequest, standin_hint: bool) -> str:
    return (f"pytest '{request.node.nodeid}' --record-mode=rewrite"
            + (" --aws-standin" if standin_hint else ""))


def _recorded_on_standin(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as f:
            return '"against": "standin"' in f.read(2048)
    except OSError:
        return False
