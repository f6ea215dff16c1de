"""The ``awstape`` command: scan, rules, migrate, diff, rerecord, audit, record, replay."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from awstape.lifecycle import audit, command, drift, rerecord
from awstape.model.errors import AwstapeError
from awstape.redaction import rules, scan
from awstape.redaction.redactor import Redactor
from awstape.storage import cassettes, fileformat

__all__ = ["EXIT_CODES", "main", "parser"]

EXIT_CODES = (
    "exit codes: 0 done, nothing found; 1 something found: drift (diff, rerecord), a possible "
    "credential (scan), a finding of a --fail-on kind (audit); 2 the work could not be done: "
    "bad arguments, an unreadable cassette, a test that failed under rerecord. record and "
    "replay exit with the program's own code.")


def _scan(args: argparse.Namespace) -> int:
    problems: list[str] = []
    findings = list(scan.scan_paths((Path(p) for p in args.paths), problems))
    for finding in findings:
        print(finding)
    for problem in problems:
        print(f"{problem}: not scanned", file=sys.stderr)
    if findings:
        print(f"awstape scan: {len(findings)} possible credential(s) found. Remove them from the "
              "files (and from git history if committed), then rotate them.", file=sys.stderr)
        return 1
    return 2 if problems else 0


def _rules(args: argparse.Namespace) -> int:
    for line in rules.load(Path.cwd()).describe():
        print(line)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    redactor_rules = rules.load(Path.cwd())
    problems: list[str] = []
    failed = 0
    for path in scan.files((Path(p) for p in args.paths), problems):
        if path.suffix not in (".yaml", ".yml", ".json") or fileformat.BODIES_DIR in path.parts:
            continue
        try:
            cassette = cassettes.migrate_file(path, Redactor(redactor_rules),
                                              write=not args.dry_run)
        except AwstapeError as error:
            print(f"{path}: not converted: {error}", file=sys.stderr)
            failed += 1
            continue
        if cassette is None:
            print(f"{path}: already an awstape cassette (or not a cassette), left as it is")
            continue
        http = len(cassette.extra.get("http", []))
        verb = "would convert" if args.dry_run else "converted"
        print(f"{path}: {verb} {len(cassette.interactions)} AWS call(s)"
              + (f" and kept {http} plain HTTP interaction(s)" if http else ""))
    for problem in problems:
        print(f"{problem}: not converted", file=sys.stderr)
    return 2 if failed or problems else 0


def _diff(args: argparse.Namespace) -> int:
    changes = drift.diff_paths(Path(args.old), Path(args.new), rules.load(Path.cwd()))
    print(drift.as_json(changes) if args.json else drift.as_markdown(changes))
    return 1 if changes else 0


def _rerecord(args: argparse.Namespace) -> int:
    outcome = rerecord.run(args.pytest_args, root=Path.cwd().resolve(),
                           standin=args.aws_standin,
                           staging=Path(args.staging) if args.staging else None,
                           report_dir=Path(args.report_dir) if args.report_dir else None)
    print(outcome.summary())
    for error in outcome.errors:
        print(f"error: {error}", file=sys.stderr)
    return outcome.exit_code


def _audit(args: argparse.Namespace) -> int:
    findings = audit.audit(args.pytest_args, Path.cwd().resolve(), max_age_days=args.max_age)
    for finding in findings:
        print(finding)
    view = audit.narrowed(args.pytest_args)
    if view:
        judged = "are judged in the selected files' cassette folders only" \
            if view == "files" else "are not judged"
        print(f"awstape audit: a partial view, of what `{' '.join(args.pytest_args)}` "
              f"selects; orphans {judged} (`awstape audit` alone judges them all)")
    failing = set(audit.KINDS) if "any" in args.fail_on else set(args.fail_on)
    counted = sum(f.kind in failing for f in findings)
    print(f"awstape audit: {len(findings)} finding(s)"
          + (f", {counted} of them failing ({', '.join(sorted(failing))})" if failing else ""))
    return 1 if counted else 0


def _record_or_replay(args: argparse.Namespace) -> int:
    command_line = args.command
    if not command_line:
        print(f"awstape {args.mode}: give the command after --, e.g. "
              f"awstape {args.mode} cassettes/x.yaml -- aws ssm get-parameter --name /x",
              file=sys.stderr)
        return 2
    return command.spawn(args.mode, Path(args.cassette), command_line,
                         aws_standin=getattr(args, "aws_standin", False),
                         allowed_hosts=args.allowed_hosts).returncode


def _fail_on(text: str) -> list[str]:
    kinds = [k for k in text.split(",") if k]
    unknown = [k for k in kinds if k not in (*audit.KINDS, "any")]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown kind(s) {', '.join(unknown)}; use {', '.join(audit.KINDS)} or any")
    return kinds


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="awstape", epilog=EXIT_CODES,
        description="Look after AWS cassettes: record and replay any Python program, re-record "
                    "a suite and report the drift, audit, diff, migrate vcrpy cassettes, scan "
                    "for credentials. Tests record and replay with pytest itself "
                    "(pytest --record-mode=once).")
    commands = top.add_subparsers(dest="command", required=True)
    scan_command = commands.add_parser(
        "scan", help="find AWS credentials and private keys in cassettes or any files",
        description="Exit 1 and print file:line and kind for each finding; exit 0 if clean.")
    scan_command.add_argument("paths", nargs="+", metavar="PATH")
    scan_command.set_defaults(run=_scan)
    rules_command = commands.add_parser(
        "rules", help="list the redaction rules in force here (built in and pyproject.toml)")
    rules_command.set_defaults(run=_rules)
    migrate_command = commands.add_parser(
        "migrate", help="convert vcrpy cassettes into awstape's format, redacted, in place",
        description="Each botocore request becomes an awstape call (service, operation, "
                    "parameters); other HTTP stays in the http section. Files that are already "
                    "awstape cassettes are left alone.")
    migrate_command.add_argument("paths", nargs="+", metavar="PATH")
    migrate_command.add_argument("--dry-run", action="store_true",
                                 help="say what would be converted; write nothing")
    migrate_command.set_defaults(run=_migrate)

    diff_command = commands.add_parser(
        "diff", help="what changed between two cassettes, or two trees of them",
        description="Operations added, removed or reordered; status and error codes; response "
                    "fields added, removed, changed in type or value. Exit 0 no drift, 1 drift, "
                    "2 errors.")
    diff_command.add_argument("old")
    diff_command.add_argument("new")
    diff_command.add_argument("--json", action="store_true", help="JSON instead of Markdown")
    diff_command.set_defaults(run=_diff)

    rerecord_command = commands.add_parser(
        "rerecord", help="record the suite again into a staging area, swap in what passed, "
                         "report the drift",
        usage="awstape rerecord [options] [PYTEST ARGS...]",
        description="Every other argument goes to pytest, in its order (-k ssm -x tests/). "
                    "Writes the report to REPORT_DIR/drift.md and drift.json (and the GitHub "
                    "step summary). Exit 0 no drift, 1 drift, 2 errors (a test failed: its "
                    "cassette is kept).")
    rerecord_command.add_argument("--aws-standin", action="store_true",
                                  help="record against moto on loopback instead of AWS")
    rerecord_command.add_argument("--staging", help="where new cassettes are written first")
    rerecord_command.add_argument("--report-dir", help="default: .awstape")
    rerecord_command.set_defaults(run=_rerecord, pytest_args=[])

    audit_command = commands.add_parser(
        "audit", help="stale cassettes, orphans, tests without a cassette, stand-in recordings",
        usage="awstape audit [options] [PYTEST ARGS...]",
        description="Every other argument goes to pytest (which tests to audit); given some, "
                    "it says its view is partial. Exit 1 when a finding of a --fail-on kind is "
                    "found, else 0.")
    audit_command.add_argument("--max-age", type=int, default=90, metavar="DAYS",
                               help="a cassette older than this is stale (default 90)")
    audit_command.add_argument("--fail-on", type=_fail_on, default=[], metavar="KINDS",
                               help=f"comma-separated: {', '.join(audit.KINDS)}, or any")
    audit_command.set_defaults(run=_audit, pytest_args=[])

    for mode, verb in (("record", "record"), ("replay", "replay")):
        sub = commands.add_parser(
            mode, help=f"{verb} the AWS calls of a Python program: awstape {mode} CASSETTE -- "
                       "CMD...",
            usage=f"awstape {mode} [options] CASSETTE -- COMMAND [ARGS...]",
            epilog="Options go anywhere before --; everything after it is the program "
                   "(python -m pkg, python -c CODE, aws ..., a script).")
        sub.add_argument("cassette", metavar="CASSETTE",
                         help="the cassette file" + (": written when the program succeeds, "
                                                     "replaced only when its calls drifted"
                                                     if mode == "record" else ""))
        sub.add_argument("--allowed-hosts", action="append", default=[], metavar="REGEX",
                         help="hosts the program may still reach in replay (a local database)")
        if mode == "record":
            sub.add_argument("--aws-standin", action="store_true",
                             help="record against moto on loopback instead of AWS")
        sub.set_defaults(run=_record_or_replay, mode=mode, command=[])
    return top


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    program: list[str] = []
    if words[:1] in (["record"], ["replay"]) and "--" in words:
        # Everything after -- is the program; options go anywhere before it.
        cut = words.index("--")
        words, program = words[:cut], words[cut + 1:]
    top = parser()
    args, unknown = top.parse_known_args(words)
    if hasattr(args, "pytest_args"):  # rerecord, audit: the rest is pytest's, in its order
        if "--" in unknown:
            unknown.remove("--")  # the first one only separated awstape's options from pytest's
        args.pytest_args = unknown
    elif unknown:
        top.error(f"unrecognized arguments: {' '.join(unknown)}")
    if program:
        args.command = program
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return code
    except AwstapeError as error:
        print(error, file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (awstape diff | head): what it read was enough. Quiet, as
        # the shell's own tools are; stdout is pointed away so the exit does not flush into it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
