"""The pytest plugin. Tests opt in with pytest-recording's ``@pytest.mark.vcr``.

pytest-recording keeps its options, markers and cassette paths; awstape adds, per marked test,
a tape that answers botocore from the same cassette file, and fixes two of pytest-recording's
traps: ``--record-mode`` on the command line always wins over ``vcr_config`` and markers, and
``rewrite`` no longer deletes the old cassette before the test has passed.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import random
import secrets
import traceback
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# Only what every session needs is imported here: botocore, vcrpy's patches and the rest load
# when a session may use a cassette (see uses_cassettes) or a marked test runs.
from awstape.integrations.pytest_session import (
    PluginSession,
    is_machinery,
    is_xdist_controller,
    on_standin,
    uses_cassettes,
)
from awstape.model.errors import AwstapeError, ConfigError, NetworkBlocked
from awstape.runtime import environment

if TYPE_CHECKING:
    from awstape.runtime.recording import RecordMode, Use

__all__ = ["awstape", "awstape_random"]


_session = pytest.StashKey[PluginSession]()
_passed = pytest.StashKey[bool]()
_mode = pytest.StashKey["RecordMode"]()


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
    parser.addini("awstape_random", type="bool", default=True,
                  help="Seed uuid4, random and secrets tokens per test from the cassette, and fix "
                       "PYTHONHASHSEED (default true; @pytest.mark.awstape(random=False) "
                       "for one test's seeding).")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> Generator[None]:
    # Outermost, so before pytest captures the output a second start would write.
    if early_config.getini("awstape_random") and uses_cassettes(early_config):
        from awstape.runtime import determinism

        determinism.fix_hash_seed(early_config.invocation_params.args)
    return (yield)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "awstape(allow_unused=False, random=True, ignore=[]): awstape options for "
        "one test, class or module: leave recorded calls unplayed, seed randomness, parameters "
        "(service.Operation.member paths) matched by presence only."
    )
    session = config.stash[_session] = PluginSession(
        config.rootpath, uses_cassettes(config))
    if not session.uses_cassettes:
        return
    from awstape.runtime import engine, standin

    engine.install()  # before collection: module-level clients get awstape's handlers
    try:
        session.rules  # noqa: B018 (read now: a bad [tool.awstape] table is a usage error)
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    region = os.environ.get("AWS_DEFAULT_REGION") or environment.DEFAULT_REGION
    if config.getoption("--aws-standin"):
        session.region = region
        if not is_xdist_controller(config):  # one server per worker, none in the controller
            session.standin = session.cleanup.enter_context(standin.running())
    elif config.getoption("--record-mode") in (None, "none") \
            and not config.getoption("--disable-recording"):
        # A session that replays: isolated from before collection, so that module-level
        # clients never read the developer's files nor ask the instance metadata service.
        session.real_environment = environment.current()
        session.cleanup.enter_context(environment.isolation(region))


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, Any, Any]:
    """Collection on the stand-in's environment: a module-level client made at import is
    made for the recorded tests that use it."""
    with on_standin(session.config.stash[_session]):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None
                            ) -> Generator[None, Any, Any]:
    """A recorded test runs on the stand-in's environment; any other test on the environment
    the session found (its own ``mock_aws``, its own endpoint), as without awstape."""
    recorded = item.get_closest_marker("vcr") is not None
    with on_standin(item.config.stash[_session]) if recorded else contextlib.nullcontext():
        return (yield)


def pytest_report_header(config: pytest.Config) -> str | None:
    if not config.stash[_session].uses_cassettes:
        return None
    found = config.stash[_session].rules
    own = len(found.paths) + len(found.headers) + len(found.regexes)
    return (f"awstape: redaction by botocore's models and built-in rules, plus {own} rule(s) "
            f"from [tool.awstape] redact ('awstape rules' lists them)")


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_session, None)
    if session is not None:
        session.cleanup.close()


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    from awstape.integrations import vcrpy_bridge

    vcrpy_bridge.configure(vcr, config.stash[_session].persister.beside(vcr.persister))


def _record_mode(config: pytest.Config, node: pytest.Item,
                 vcr_config: Callable[[], Mapping[str, Any]] = dict) -> RecordMode:
    """The command line first, then markers (closest first), then ``vcr_config``, then none."""
    cli = config.getoption("--record-mode")
    if cli:
        return cli  # type: ignore[no-any-return]
    for marker in node.iter_markers("vcr"):
        if "record_mode" in marker.kwargs:
            return marker.kwargs["record_mode"]  # type: ignore[no-any-return]
    return vcr_config().get("record_mode", "none")  # type: ignore[no-any-return]


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: Any, request: pytest.FixtureRequest
) -> Generator[None, Any, Any]:
    """Before pytest-recording opens its vcrpy cassette, put awstape's choices first."""
    if fixturedef.argname == "vcr" and _is_recorded(request):
        from awstape.integrations import vcrpy_bridge, vcrpy_unneeded

        mode = request.node.stash[_mode] = _record_mode(
            request.config, request.node, lambda: request.getfixturevalue("vcr_config"))
        request.config.stash[_session].persister.discard_saves = False
        markers = request.getfixturevalue("vcr_markers")
        vcr_config = request.getfixturevalue("vcr_config")
        if vcrpy_unneeded.replay_without_vcrpy(request, mode, markers, vcr_config):
            # pytest-recording opens no cassette for a test it sees without markers (see why)
            kept = markers[:]
            markers.clear()
            try:
                return (yield)
            finally:
                markers[:] = kept
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
    elif fixturedef.scope != "function":  # class, module, package, session
        item = getattr(request, "_pyfuncitem", None)
        if item is not None and _is_recorded(item._request):
            from awstape.runtime import engine

            # the machinery's own (vcr_cassette_dir, once per module) would cost two cassettes
            if engine.active() is None and not is_machinery(fixturedef):
                return (yield from _wider_fixture_played(fixturedef, request, item))
    return (yield)


def _wider_fixture_played(fixturedef: Any, request: pytest.FixtureRequest,
                          item: pytest.Function) -> Generator[None, Any, Any]:
    from awstape.integrations import wider_fixtures
    from awstape.redaction.redactor import Redactor
    from awstape.runtime.recording import Target

    session = request.config.stash[_session]
    # The test's own vcr_config is function-scoped: out of a class fixture's reach.
    mode = _record_mode(request.config, item)
    path = wider_fixtures.cassette_path(item, request, fixturedef.argname.lstrip("_"))
    server = session.standin
    options = {
        "redactor": Redactor(session.rules),
        "recording_environment": session.real_environment,
        "target": Target("standin", moto_version=server.moto_version) if server else None,
        "rerecord_hint": _rerecord_command(item._request, on_standin=server is not None),
        "seed_randomness": bool(request.config.getini("awstape_random")),
    }
    return (yield from wider_fixtures.played_around(fixturedef, path, mode, options))


def _is_recorded(request: pytest.FixtureRequest) -> bool:
    return (request.node.get_closest_marker("vcr") is not None
            and not request.config.getoption("--disable-recording"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """Right after a test's body, what its replay broke fails the test itself (not its
    teardown), once, in AWS terms and at the test's own line: a way out to the network (in
    place of vcrpy's refusal), a miss, raised or swallowed. The frames of botocore, vcrpy and
    awstape that carried it say nothing to the user."""
    use = getattr(item, "funcargs", {}).get("awstape")
    failure = ""
    try:
        result = yield
    except Exception as raised:
        broken = use.verdict(passed=False) if use is not None else None
        if broken is None and isinstance(raised, AwstapeError | NetworkBlocked):
            broken = raised
        if broken is None:
            raise
        failure = str(broken) + _at_test_line(item, raised)
    if not failure:
        broken = use.verdict(passed=True) if use is not None else None
        failure = str(broken) if broken is not None else ""
    if failure:  # outside the except block: the exception it replaces is no context
        pytest.fail(failure, pytrace=False)
    return result


def _at_test_line(item: pytest.Item, raised: BaseException) -> str:
    """Where in the test's own file the exception passed last: ``test_x.py:8: s3.put(...)``."""
    found = ""
    for frame, line in traceback.walk_tb(raised.__traceback__):
        if Path(frame.f_code.co_filename) == item.path:
            code = linecache.getline(frame.f_code.co_filename, line).strip()
            found = f"\n\n{item.path.name}:{line}: {code}"
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, Any]:
    report = yield
    if report.when == "call":
        item.stash[_passed] = report.passed
    return report


@pytest.hookimpl(trylast=True)  # after conftests and plugins that add markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A ``@pytest.mark.vcr`` test gets the ``awstape`` fixture, right after
    pytest-recording's ``vcr``, before the test's own: its fixtures' calls are on the tape.
    Other tests get nothing of awstape's."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if (isinstance(names, list) and "awstape" not in names
                and item.get_closest_marker("vcr") is not None):
            names.insert(names.index("vcr") + 1 if "vcr" in names else 0, "awstape")


@pytest.fixture
def awstape(request: pytest.FixtureRequest, vcr: Any) -> Iterator[Use | None]:
    """The cassette in use for a ``@pytest.mark.vcr`` test (None when recording is disabled,
    or for a test that asks for it unmarked)."""
    if not _is_recorded(request):
        yield None
        return
    from awstape.integrations import vcrpy_bridge, vcrpy_unneeded
    from awstape.redaction.redactor import Redactor
    from awstape.runtime.recording import Target, use_cassette

    session = request.config.stash[_session]
    # vcrpy's path for the test (serializer suffix, long names), else the default one
    path = Path(vcr._path) if vcr is not None else vcrpy_unneeded.default_path(request)
    if request.config.getoption("--awstape-list"):
        from awstape.storage.manifest import ListedCassette

        session.manifest.listed.append(
            ListedCassette(request.node.nodeid, str(path.resolve()), path.is_file()))
        pytest.skip("awstape: listing cassettes only")
    committed = path
    staging = request.config.getoption("--awstape-staging")
    if staging:
        path = _staged(Path(staging), request.config.rootpath, path)
        session.persister.redirects[str(committed)] = str(path)
    options = request.node.get_closest_marker("awstape")
    settings = options.kwargs if options else {}
    seed_randomness = bool(settings.get("random", request.config.getini("awstape_random")))
    try:
        rules_in_force = session.rules.ignoring(settings.get("ignore", ()),
                                                "@pytest.mark.awstape(ignore=...)")
    except ConfigError as error:
        pytest.fail(str(error), pytrace=False)
    allow_unused = bool(
        (options.kwargs.get("allow_unused") if options else None)
        or request.config.getoption("--awstape-allow-unused")
        or request.config.getini("awstape_allow_unused")
    )
    server = session.standin
    target = Target("standin", moto_version=server.moto_version) if server else None
    failure = ""
    try:
        with use_cassette(
            path,
            request.node.stash.get(_mode, "none"),
            allowed_hosts=request.getfixturevalue("allowed_hosts") or (),
            allow_unused=allow_unused,
            rerecord_hint=_rerecord_command(request, on_standin=server is not None),
            target=target,
            redactor=Redactor(rules_in_force),
            previous=committed,
            recording_environment=session.real_environment,
            seed_randomness=seed_randomness,
        ) as use:
            if use.cassette.provenance.get("against") == "standin":  # recorded there: so again
                use.tape.rerecord_hint = _rerecord_command(request, on_standin=True)
            with (vcrpy_bridge.inside_vcrpy(use.guard) if vcr is not None
                  else contextlib.nullcontext()):
                yield use
            passed = request.node.stash.get(_passed, False)
            if use.tape.recorded or use.tape.replayed or use.tape.misses:
                session.persister.claimed.add(str(committed))
            session.persister.discard_saves = True  # until awstape's own file is settled
            session.persister.redactor = use.tape.redactor
            use.finish(passed)
            session.persister.discard_saves = not passed
            if staging:
                from awstape.storage.manifest import StagedCassette

                session.manifest.staged.append(StagedCassette(
                    request.node.nodeid, str(committed.resolve()), str(path.resolve()), passed))
    except (AwstapeError, NetworkBlocked) as error:
        failure = str(error)
    if failure:
        # One readable failure in AWS terms, outside the except block: the plugin's own
        # frames, and the exception it handled, say nothing to the user.
        pytest.fail(failure, pytrace=False)


def _staged(staging: Path, root: Path, path: Path) -> Path:
    absolute = path.resolve()
    relative = absolute.relative_to(root) if absolute.is_relative_to(root) \
        else absolute.relative_to(absolute.anchor)
    return staging / relative


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the cassette list (``--awstape-list``) or the staging manifest, even when the
    run was interrupted: what it holds was settled test by test."""
    config = session.config
    listing, staging = config.getoption("--awstape-list"), config.getoption("--awstape-staging")
    if not (listing or staging):
        return
    from awstape.storage.manifest import STAGING_MANIFEST

    config.stash[_session].manifest.write(Path(listing or Path(staging) / STAGING_MANIFEST))


@pytest.fixture
def awstape_random(awstape: Use | None) -> random.Random:
    """A random generator seeded per test; the seed is kept in the cassette, so that names
    built from it (unique per recording) come out the same at replay."""
    return random.Random(awstape.seed() if awstape is not None else secrets.randbits(32))


def _rerecord_command(request: pytest.FixtureRequest, on_standin: bool) -> str:
    return (f"pytest '{request.node.nodeid}' --record-mode=rewrite"
            + (" --aws-standin" if on_standin else ""))
