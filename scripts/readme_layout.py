"""The README's layout section, made from the tree: each folder and module of ``src/awstape``
with the first line of its docstring, then the repository's other folders.

``python -m scripts.readme_layout`` rewrites the section; ``--check`` exits 1 if it is stale
(the test suite runs the check, so the section cannot drift from the tree).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "awstape"
START, END = "<!-- layout: made by python -m scripts.readme_layout -->", "<!-- layout end -->"
# The layers, lowest first (pyproject.toml's import contract lists them highest first).
LAYERS = ("model", "redaction", "storage", "runtime", "integrations", "lifecycle")
OTHER_FOLDERS = {
    "scripts/": "the platform workflows, their request parsers, the demo, test.sh, demo.sh",
    "tests/unit/": "fast, no I/O",
    "tests/contract/": "request files against their parsers, --help, AWS errors; no AWS",
    "tests/integration/": "the workflows replayed from committed cassettes (real PostgreSQL)",
    "tests/framework/": "the plugin run as users run it: record on the stand-in, replay offline",
    "tests/adversarial/": "canaries in every encoding, ways out of replay, hostile cassettes, "
                          "nothing lost",
    "tests/mutation/": "the workflows' mutation score (mutmut): the run, the equivalent "
                       "mutants, a fixed sample in the suite",
    "benchmarks/": "replay.py, secrets.py, s3_bodies.py, suite.py: the speed tables above; "
                   "startup.py; "
                   "foreign_suites.py",
    ".github/workflows/": "pr.yml (replay) and nightly.yml (re-record) jobs",
    "cassettes/": "cassettes written by the demo, one per workflow",
}


def summary(path: Path) -> str:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    if not docstring:
        raise SystemExit(f"{path.relative_to(ROOT)}: no docstring to describe it by")
    return docstring.split("\n\n")[0].replace("\n", " ").replace("``", "`")


def layout() -> str:
    rows = [("src/awstape/", summary(PACKAGE / "__init__.py"))]
    unlisted = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    unlisted -= set(LAYERS)
    if unlisted:
        raise SystemExit(f"src/awstape: folders not in the layer list: {sorted(unlisted)}")
    for layer in LAYERS:  # bottom up, as a reader learns them
        rows.append((f"  {layer}/", summary(PACKAGE / layer / "__init__.py")))
        rows += [(f"    {module.name}", summary(module))
                 for module in sorted((PACKAGE / layer).glob("*.py"))
                 if module.name != "__init__.py"]
    for folder, text in OTHER_FOLDERS.items():
        if not (ROOT / folder).is_dir():
            raise SystemExit(f"{folder}: listed in the layout but not in the tree")
        rows.append((folder, text))
    width = max(len(name) for name, _ in rows) + 2
    return "\n".join(f"{name:<{width}}{text}".rstrip() for name, text in rows)


def section() -> str:
    return f"{START}\n```\n{layout()}\n```\n{END}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.readme_layout")
    parser.add_argument("--check", action="store_true", help="exit 1 if the README is stale")
    args = parser.parse_args(argv)
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    before, found, rest = text.partition(START)
    _old, ended, after = rest.partition(END)
    if not (found and ended):
        print(f"README.md: no layout section between {START} and {END}", file=sys.stderr)
        return 1
    new = before + section() + after
    if args.check:
        if new != text:
            print("README.md: the layout section is stale; run python -m scripts.readme_layout",
                  file=sys.stderr)
            return 1
        return 0
    readme.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
