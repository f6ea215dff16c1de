"""Running a command offline: no AWS variables, and an empty network namespace when allowed."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from functools import cache

from awstape.runtime.environment import AWS_VARIABLES

__all__ = ["environment_without_aws", "in_empty_network", "namespaces_allowed"]


def environment_without_aws(base: Mapping[str, str] | None = None) -> dict[str, str]:
    return {k: v for k, v in (os.environ if base is None else base).items()
            if k not in AWS_VARIABLES}


@cache
def namespaces_allowed() -> bool:
    return bool(shutil.which("unshare")) and subprocess.run(
        ["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0


def in_empty_network(command: Sequence[str]) -> tuple[list[str], str]:
    """``command`` in a new network namespace with only loopback up, when unshare is allowed;
    otherwise as it is (awstape's replay guard still refuses connections)."""
    if namespaces_allowed():
        return (["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command],
                "an empty network namespace")
    return list(command), "the network guard only (unshare is not permitted here)"
