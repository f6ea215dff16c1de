"""The architecture as the README states it: layers kept, no cycles, a small public surface."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import readme_layout

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "awstape"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is a dev dependency: pip install -e '.[dev]'"
    done = subprocess.run([lint, "--no-cache"], cwd=PACKAGE.parents[1], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_is_small_and_says_what_it_exports(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    assert any(isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets) for n in tree.body)
    assert len(module.read_text(encoding="utf-8").splitlines()) <= 400


def test_readme_layout_is_made_from_the_tree() -> None:
    assert readme_layout.main(["--check"]) == 0


def test_importing_awstape_or_its_detect_secrets_filter_loads_no_aws_library() -> None:
    check = ("import sys, awstape, awstape.integrations.detect_secrets; "
             "loaded = sorted(m for m in ('botocore', 'boto3', 'vcr', 'moto') if m in sys.modules);"
             " print(loaded); assert not loaded; assert awstape.use_cassette")
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
