"""The ``awstape`` command: scan, rules, migrate."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import fileformat, migrate, rules, scan
from .errors import AwstapeError
from .redaction import Redactor


def _scan(args: argparse.Namespace) -> int:
    try:
        findings = list(scan.scan_paths(Path(p) for p in args.paths))
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    for finding in findings:
        print(finding)
    if findings:
        print(f"awstape scan: {len(findings)} possible credential(s) found. Remove them from the "
              "files (and from git history if committed), then rotate them.", file=sys.stderr)
        return 1
    return 0


def _rules(args: argparse.Namespace) -> int:
    for line in rules.load(Path.cwd()).describe():
        print(line)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    redactor_rules = rules.load(Path.cwd())
    failed = 0
    for path in scan.files(Path(p) for p in args.paths):
        if path.suffix not in (".yaml", ".yml", ".json") or fileformat.BODIES_DIR in path.parts:
            continue
        try:
            cassette = migrate.migrate_file(path, Redactor(redactor_rules), write=not args.dry_run)
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
    return 2 if failed else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="awstape", description=__doc__)
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
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except AwstapeError as error:
        print(error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
