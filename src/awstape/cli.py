"""The ``awstape`` command: ``awstape scan PATH...`` and ``awstape rules``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import rules, scan
from .errors import AwstapeError


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
