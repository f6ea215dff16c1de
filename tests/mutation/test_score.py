"""The workflows' tests catch regressions: a fixed sample of mutmut's mutants of scripts/,
each judged by the replayed suite, is killed at the floor the full run must reach (the README
gives the full run's figures and how to repeat it)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.mutation import score

ONE_IN = 20  # about 130 of the workflows' mutants; the full run is `python -m tests.mutation.score`


def test_a_fixed_sample_of_mutants_is_killed(tmp_path: Path) -> None:
    result = score.run(score.workspace(tmp_path), one_in=ONE_IN)
    assert len(result.verdicts) > 60, result.report()
    assert not result.equivalent_killed, result.report()
    assert result.rate >= score.FLOOR, result.report()


def test_the_check_fails_when_the_tests_do_not_look(tmp_path: Path) -> None:
    """The same check, with only the local-image unit tests selected: most mutants live."""
    workspace = score.workspace(tmp_path)
    config = workspace / "pyproject.toml"
    config.write_text(re.sub(r"pytest_add_cli_args_test_selection = \[[^]]*\]",
                             'pytest_add_cli_args_test_selection = '
                             '["tests/unit/test_image_archive.py"]', config.read_text()))
    result = score.run(workspace, one_in=ONE_IN * 2)
    assert result.verdicts and result.rate < score.FLOOR
    assert "survived: scripts." in result.report()


def test_scoring_leaves_out_equivalents_and_mutants_not_run() -> None:
    found = {"scripts.a.x_f__mutmut_1": "killed", "scripts.a.x_f__mutmut_2": "survived",
             "scripts.b.x_g__mutmut_1": "timeout", "scripts.b.x_g__mutmut_2": "no tests",
             "scripts.b.x_g__mutmut_3": "not checked", "scripts.b.x_g__mutmut_4": "killed"}
    result = score.score(found, {"scripts.a.x_f__mutmut_2", "scripts.b.x_g__mutmut_4"})
    assert (result.killed, len(result.verdicts)) == (2, 3)
    assert result.survivors == ["scripts.b.x_g__mutmut_2"]
    assert result.equivalent_killed == ("scripts.b.x_g__mutmut_4",)
    assert result.report().splitlines()[1:4] == [
        "a.py                           1     1  100.0%",
        "b.py                           1     2  50.0%",
        "all                            2     3  66.7%"]


def test_every_listed_equivalent_says_why() -> None:
    for line in score.EQUIVALENT.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, why = line.partition("#")
            assert name.strip().startswith("scripts.") and why.strip(), line
