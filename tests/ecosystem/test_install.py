"""The README's install, as written, from a fresh clone: the wheel holds awstape only (the
workflows stay this repository's ``scripts``) and carries the pytest plugin's entry point."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_readmes_wheel_command_builds_a_wheel_of_awstape_only(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    command = "pip wheel ./awstape --no-deps -w dist"
    assert command in readme  # the line the test runs is the README's
    subprocess.run(["git", "clone", "-q", str(ROOT), str(tmp_path / "awstape")], check=True)
    done = subprocess.run([sys.executable, "-m", *command.split()], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("awstape-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        tops = {name.split("/")[0] for name in names}
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        points = archive.read(entry_points).decode()
    version = wheel.name.split("-")[1]
    assert tops == {"awstape", f"awstape-{version}.dist-info"}, tops
    assert "awstape/py.typed" in names and not any(n.startswith("scripts/") for n in names)
    assert "[pytest11]\nawstape = awstape.integrations.pytest_plugin" in points
