"""One cassette in use: record modes, environment, guards, and what is written at the end.

The pytest plugin and the CLI both go through here.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import os
import re
import secrets
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

import botocore

from awstape.model.cassette import Cassette
from awstape.model.errors import AwstapeError, CassetteNotFound, NetworkBlocked, UnusedRecordings
from awstape.redaction.redactor import Redactor
from awstape.runtime import determinism, engine, environment, network
from awstape.storage import cassettes, fileformat

__all__ = ["RECORD_MODES", "RecordMode", "Target", "Use", "use_cassette"]

RecordMode = Literal["once", "new_episodes", "none", "all", "rewrite"]
RECORD_MODES: tuple[RecordMode, ...] = ("once", "new_episodes", "none", "all", "rewrite")


@dataclass(frozen=True)
class Target:
    """What recording talks to, as the cassette's provenance will say."""

    against: Literal["aws", "endpoint", "standin"]
    endpoint_url: str | None = None
    moto_version: str | None = None

    @classmethod
    def from_environment(cls) -> Target:
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if endpoint and not environment.is_aws_endpoint(endpoint):
            return cls("endpoint", endpoint)
        return cls("aws")

    def seen(self, endpoints: set[str]) -> Target:
        """The target as the traffic showed it: calls that went to a non-AWS endpoint (an
        ``endpoint_url=`` in the code) make a recording "against": "endpoint"."""
        local = sorted(e for e in endpoints if not environment.is_aws_endpoint(e))
        if self.against == "aws" and local:
            return Target("endpoint", local[0])
        return self

    def provenance(self) -> dict[str, str]:
        out: dict[str, str] = {"against": self.against}
        if self.against == "endpoint" and self.endpoint_url:
            # Never credentials in the URL; and a local endpoint's port changes on every run:
            # not worth a line in each diff.
            url = re.sub(r"^(\w+://)[^/@]*@", r"\1", self.endpoint_url)
            out["endpoint"] = network.without_loopback_port(url)
        if self.moto_version:
            out["moto"] = self.moto_version
        return out


@dataclass
class Use:
    """The state of one cassette in use; ``finish`` settles it."""

    tape: engine.Tape
    guard: network.Guard | None
    allow_unused: bool
    writes: bool
    target: Target
    replaces: bool = False  # a fresh recording of an existing awstape cassette
    finished: bool = False
    reported: bool = False  # what the replay broke was said already

    @property
    def cassette(self) -> Cassette:
        return self.tape.cassette

    def seed(self) -> int:
        """The test's random seed: kept in the cassette, so that names made from it replay."""
        provenance = self.cassette.provenance
        if not isinstance(provenance.get("seed"), int):
            provenance["seed"] = secrets.randbits(32)
        return int(provenance["seed"])

    def verdict(self, passed: bool) -> AwstapeError | NetworkBlocked | None:
        """What the test's run broke, if anything: a way out to the network, or a miss the
        code swallowed. Said once: the pytest plugin asks right after the test's body, so
        that the test itself fails, not its teardown; ``finish`` asks again for what teardown
        did. (Unplayed recordings are judged at the end: fixtures' cleanup may make them.)"""
        if self.reported:
            return None
        escaped = self._escaped(passed)
        self.reported = escaped is not None
        return escaped

    def finish(self, passed: bool) -> None:
        """Write the cassette if the run passed and recorded; raise what the replay broke."""
        tape, cassette = self.tape, self.cassette
        self.finished = True
        escaped = self.verdict(passed)
        if escaped is not None:
            raise escaped
        # Written when the test recorded AWS calls, or to replace an awstape cassette; a test
        # that made none leaves nothing behind, as under pytest-recording alone.
        if passed and self.writes and (tape.recorded or self.replaces):
            cassette.provenance = {
                "at": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
                **self.target.seen(tape.endpoints).provenance(),
                "region": _region_used(cassette),
                "botocore": botocore.__version__,
                "awstape": _awstape_version(),
                **{k: v for k, v in cassette.provenance.items() if k == "seed"},
            }
            cassettes.save(cassette, tape.redactor)
        unused = self._unused(passed)
        if unused is not None:
            raise unused

    def _escaped(self, passed: bool) -> AwstapeError | NetworkBlocked | None:
        attempts = self.guard.all_attempts() if self.guard is not None else []
        if attempts:
            again = self.tape.rerecord_hint
            return NetworkBlocked(
                "awstape: the test tried to reach the network during replay:\n"
                + "".join(f"    {attempt}\n" for attempt in sorted(attempts))
                + f"  Cassette: {self.cassette.path}\n"
                + (f"  To record this test again: {again}" if again else "")
            )
        if self.tape.misses and passed:
            # The code under test swallowed the miss; the test must not pass on a wrong answer.
            return self.tape.misses[0]
        return None

    def _unused(self, passed: bool) -> UnusedRecordings | None:
        tape, cassette = self.tape, self.cassette
        unplayed = cassette.unplayed() if tape.replay else []
        if not (passed and unplayed and not self.allow_unused):
            return None
        listed = "\n".join(
            f"    #{cassette.interactions.index(i) + 1} {i.describe()}" for i in unplayed
        )
        return UnusedRecordings(
            f"awstape: the test left {len(unplayed)} recorded call(s) unplayed in "
            f"{cassette.path}:\n{listed}\n  The code no longer makes these calls. Record the "
            f"test again ({tape.rerecord_hint or 'with --record-mode=rewrite'}), or allow "
            "it with @pytest.mark.awstape(allow_unused=True) or --awstape-allow-unused."
        )


@functools.cache  # read from the installed distributions: a scan, at every save otherwise
def _awstape_version() -> str:
    return metadata.version("awstape")


def _keep_seed(cassette: Cassette, previous: Path) -> None:
    if previous.is_file():
        with contextlib.suppress(AwstapeError, OSError):
            seed = (fileformat.load_document(previous).get("recorded") or {}).get("seed")
            if isinstance(seed, int):
                cassette.provenance["seed"] = seed


def _forget_default_session() -> None:
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None  # type: ignore[attr-defined]


def _region_used(cassette: Cassette) -> str:
    """The region the recording's clients used most (a profile's, an explicit one), else the
    environment's: replay's default region, for clients made without one."""
    regions = Counter(i.name.region for i in cassette.interactions
                      if i.name.region != "aws-global")
    if regions:
        return regions.most_common(1)[0][0]
    return (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
            or environment.DEFAULT_REGION)


@contextlib.contextmanager
def use_cassette(
    path: str | os.PathLike[str],
    record_mode: RecordMode = "none",
    *,
    allowed_hosts: Sequence[str] = (),
    allow_unused: bool = False,
    rerecord_hint: str = "",
    target: Target | None = None,
    redactor: Redactor | None = None,
    previous: str | os.PathLike[str] | None = None,
    recording_environment: Mapping[str, str] | None = None,
    seed_randomness: bool = True,
) -> Iterator[Use]:
    """Play or record the cassette at ``path`` around the block.

    ``record_mode`` has pytest-recording's meanings, except that ``rewrite`` keeps the old
    cassette until the new recording has succeeded. In pure replay the AWS environment is
    replaced by a dummy one and the network is blocked except for ``allowed_hosts`` (regexes).
    A fresh recording keeps the random seed of the cassette it replaces (``previous``, by
    default ``path``), so that names made from it stay the same from one recording to the next.
    ``recording_environment`` gives a recording the AWS variables it needs back when the
    process runs isolated (a pytest session that otherwise replays). ``seed_randomness`` draws
    uuid4, ``random`` and ``secrets`` tokens from the seed kept in the cassette (see
    ``determinism``).
    """
    if record_mode not in RECORD_MODES:
        raise ValueError(
            f"record_mode must be one of {', '.join(RECORD_MODES)}, not {record_mode!r}")
    cassette_path = Path(path)
    exists = cassette_path.is_file()
    absent = None
    if record_mode == "none" and not exists:
        # Said at the first AWS call, not before: a test that makes none (or is skipped
        # before it does) needs no cassette, as under pytest-recording alone.
        absent = CassetteNotFound(
            f"awstape: no cassette at {cassette_path}, and record mode 'none' (the default in CI) "
            "never goes to the network.\n  Record it once: "
            + (rerecord_hint or "run the test with --record-mode=once")
        )
    fresh = (record_mode in ("all", "rewrite") or not exists) and absent is None
    redactor = redactor or Redactor()
    cassette = (Cassette(cassette_path, compared_by_presence=redactor.rules.presence_test)
                if fresh or absent is not None else cassettes.load(cassette_path, redactor.rules))
    if fresh:
        _keep_seed(cassette, Path(previous) if previous is not None else cassette_path)
    replay = not fresh
    record = (record_mode in ("new_episodes", "all", "rewrite") or fresh) and absent is None
    tape = engine.Tape(cassette, replay=replay, record=record, redactor=redactor,
                       rerecord_hint=rerecord_hint, absent=absent)
    replaces = fresh and any(fileformat.is_awstape_file(Path(p)) for p in
                             (cassette_path, previous) if p is not None)
    use = Use(tape, None, allow_unused, writes=record,
              target=target or Target.from_environment(), replaces=replaces)
    with contextlib.ExitStack() as stack:
        # Clients made from boto3's default session keep the credentials it first resolved:
        # a fresh one for each cassette, so that a recording never signs with replay's dummies.
        stack.callback(_forget_default_session)
        _forget_default_session()
        if replay and not record:
            region = str(cassette.provenance.get("region") or environment.DEFAULT_REGION)
            stack.enter_context(environment.isolation(region))
            stack.enter_context(environment.any_profile())
            # The network guard is for awstape's cassettes: a test with none (or with a vcrpy
            # cassette of plain HTTP only) keeps pytest-recording's own network rules.
            if cassette.interactions or fileformat.is_awstape_file(cassette_path):
                use.guard = stack.enter_context(network.blocked(allowed_hosts))
        elif recording_environment is not None:
            stack.enter_context(environment.variables(recording_environment))
        if seed_randomness:
            stack.enter_context(determinism.seeded(use.seed()))
        stack.enter_context(engine.playing(tape))
        yield use
    # Reached only when the block did not raise: a failed block never writes the cassette.
    if not use.finished:
        use.finish(passed=True)
