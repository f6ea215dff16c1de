"""``awstape record CASSETTE -- CMD`` and ``awstape replay CASSETTE -- CMD``.

The command is a Python program that uses botocore (a workflow's CLI, ``python -m ...``, the
``aws`` CLI v1). It runs in a child process under a tape, with the plugin's matching,
redaction and guards: ``python -m awstape.lifecycle.command MODE CASSETTE -- CMD`` starts the
tape, then runs the program in that same interpreter, so its exit status settles the cassette
(a failed recording writes nothing). Replay runs with every AWS variable unset, in an empty network
namespace when allowed. Programs the command starts in turn are not recorded.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import runpy
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from awstape.lifecycle import drift, rerecord
from awstape.model.errors import AwstapeError, NetworkBlocked
from awstape.redaction import rules
from awstape.runtime import environment, offline, standin
from awstape.runtime.recording import Target, use_cassette

__all__ = ["after_dashes", "main", "spawn"]

_STANDIN = "AWSTAPE_STANDIN_MOTO"  # tells the child it records against the stand-in


def spawn(mode: str, cassette: Path, command: Sequence[str], *, aws_standin: bool = False,
          server: standin.StandIn | None = None, allowed_hosts: Sequence[str] = (),
          capture: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``command`` under a tape in a child process. Recording goes to AWS as configured,
    to ``server``, or (``aws_standin``) to a stand-in started for this command."""
    runner = [sys.executable, "-m", "awstape.lifecycle.command",
              *(f"--allowed-host={h}" for h in allowed_hosts), mode, str(cassette), "--",
              *command]

    def run(argv: list[str], env: dict[str, str] | None = None) -> \
            subprocess.CompletedProcess[str]:
        return subprocess.run(argv, env=env, capture_output=capture, text=True, check=False)

    if mode == "replay":
        runner, how = offline.in_empty_network(runner)
        if not capture:
            print(f"awstape replay: offline, in {how}", file=sys.stderr)
        # The config file goes along (with the profile it is read for): the program's replay
        # keeps its settings, never its credentials (see environment.settings_only).
        kept = {k: os.environ[k] for k in ("AWS_CONFIG_FILE", "AWS_PROFILE") if k in os.environ}
        return run(runner, {**offline.environment_without_aws(), **kept})
    if server is None and not aws_standin:
        return run(runner)
    with contextlib.ExitStack() as stack:
        server = server or stack.enter_context(standin.running())
        stack.enter_context(environment.isolation(endpoint_url=server.endpoint_url))
        return run(runner, {**os.environ, _STANDIN: server.moto_version})


def after_dashes(argv: Sequence[str]) -> list[str]:
    """The command given after ``--`` (argparse keeps the ``--`` in a remainder)."""
    return list(argv[1:] if argv[:1] == ["--"] else argv)


def _program(command: Sequence[str]) -> tuple[list[str], Callable[[], object]]:
    """How to run ``command`` in this interpreter: the ``sys.argv`` it expects, and a call
    that runs it."""
    first, rest = command[0], list(command[1:])
    if Path(first).name.startswith("python"):
        if rest[:1] == ["-c"] and len(rest) > 1:
            code = compile(rest[1], "<string>", "exec")
            return ["-c", *rest[2:]], lambda: exec(code, {"__name__": "__main__"})
        if rest[:1] == ["-m"] and len(rest) > 1:
            return ([rest[1], *rest[2:]],
                    lambda: runpy.run_module(rest[1], run_name="__main__", alter_sys=True))
        if rest:
            return rest, lambda: runpy.run_path(rest[0], run_name="__main__")
    # This interpreter's own scripts first: the aws CLI installed beside awstape, not a shim.
    beside = Path(sys.executable).parent / first
    found = str(beside) if "/" not in first and beside.is_file() else shutil.which(first)
    if found is None:
        raise AwstapeError(f"awstape: command not found: {first}")
    with open(found, "rb") as f:
        shebang = f.readline()
    if not (shebang.startswith(b"#!") and b"python" in shebang):
        raise AwstapeError(
            f"awstape: {first} is not a Python program ({found}). awstape records and replays "
            "Python programs that use botocore, run in-process: python -m module, python "
            "script.py, or a Python console script such as aws.")
    return [found, *rest], lambda: runpy.run_path(found, run_name="__main__")


def _status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m awstape.lifecycle.command")
    parser.add_argument("mode", choices=("record", "replay"))
    parser.add_argument("cassette", type=Path)
    parser.add_argument("--allowed-host", action="append", default=[])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = after_dashes(args.command)
    if not command:
        parser.error("give the command after --")
    moto = os.environ.get(_STANDIN)
    target = Target("standin", moto_version=moto) if moto else Target.from_environment()
    # Recording over a cassette goes beside it first: the old one stays unless AWS drifted.
    staged = (args.cassette.with_name(f".{args.cassette.name}.new")
              if args.mode == "record" and args.cassette.is_file() else args.cassette)
    try:
        sys.argv, program = _program(command)
        with use_cassette(staged, "rewrite" if args.mode == "record" else "none",
                          allowed_hosts=args.allowed_host, target=target,
                          previous=args.cassette) as use:
            started = time.perf_counter()
            try:
                program()
                status = 0
            except SystemExit as exit_:
                status = _status(exit_.code)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 0:
                use.finish(passed=False)
                if use.tape.misses:
                    print(use.tape.misses[0], file=sys.stderr)
                return status
    except (AwstapeError, NetworkBlocked) as error:
        print(error, file=sys.stderr)
        return 2
    calls = use.tape.recorded if args.mode == "record" else use.tape.replayed
    verb = "recorded" if args.mode == "record" else "replayed"
    print(f"awstape {args.mode}: {calls} call(s) {verb} in {elapsed:.0f} ms, {args.cassette}"
          + (_settle(staged, args.cassette) if staged != args.cassette else ""), file=sys.stderr)
    return 0


def _settle(staged: Path, cassette: Path) -> str:
    """Keep the old cassette when nothing drifted, else bring the new one in."""
    if not staged.is_file():
        return ""
    try:
        changes = drift.diff_files(cassette, staged, str(cassette), rules.load(Path.cwd()))
        if changes:
            rerecord.bring_in(staged, cassette)
    finally:
        staged.unlink(missing_ok=True)
    return (f" ({len(changes)} change(s) from the previous recording: replaced)" if changes
            else " (no drift: the previous cassette is kept as it was)")


if __name__ == "__main__":
    raise SystemExit(main())
