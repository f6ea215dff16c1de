"""What ``--help`` tells a user of each workflow: its purpose, arguments and options."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from scripts import ecr_sync, rds_provision, secret_flow

SHARED = """\
  --dry-run             validate and show the plan; make no AWS or database call
  --json                print the result as JSON
"""

HELP = {
    ecr_sync.main: """\
ECR sync: push local images (docker-archive or OCI layout) to ECR, skipping what is there.

positional arguments:
  IMAGE                 e.g. backstage:latest

options:
  -h, --help            show this help message and exit
  --archive ARCHIVE     a docker-archive tar, an OCI layout, or a folder of them
  --repository-prefix REPOSITORY_PREFIX
                        put before each repository name, e.g. team/
  --overwrite           move a tag that holds another digest
  --no-create-repository
                        fail when the repository does not exist
""" + SHARED,
    rds_provision.main: """\
RDS provision: find the instance, read its secrets, create the role and the database.

positional arguments:
  request               an RdsDatabaseRequest YAML file

options:
  -h, --help            show this help message and exit
  --connect HOST:PORT   reach PostgreSQL here instead of the instance's endpoint
""" + SHARED,
    secret_flow.main: """\
Secret flow: a SecretRequest applied to Secrets Manager or to an SSM SecureString.

positional arguments:
  request               a SecretRequest YAML file

options:
  -h, --help            show this help message and exit
""" + SHARED,
}


@pytest.mark.parametrize("main", list(HELP), ids=lambda main: main.__module__)
def test_help(main: Callable[[Sequence[str]], int], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    # Past the usage lines; compared word by word, as argparse wraps to the terminal's width.
    assert out.split("\n\n", 1)[1].split() == HELP[main].split()
