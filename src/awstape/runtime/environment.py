"""The AWS environment a test runs in: isolated from the developer's own for replay and stand-in.

Replay must never read real credentials or profiles, nor ask the EC2 metadata service for
them (DESIGN §3.3): the variables below point botocore's whole credential chain at dummies.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "AWS_VARIABLES", "DEFAULT_REGION", "DUMMY_ACCESS_KEY_ID", "DUMMY_SECRET_ACCESS_KEY",
    "any_profile", "current", "is_aws_endpoint", "isolated", "isolation", "settings_only",
    "variables"
]

# Every variable through which botocore could find a real identity, profile or endpoint.
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_REGION",
    "AWS_EC2_METADATA_DISABLED", "AWS_CA_BUNDLE", "AWS_SSO_SESSION",
)

# Well-formed but fake: they sign nothing that reaches AWS.
DUMMY_ACCESS_KEY_ID = "AKIAAWSTAPEDUEXAMPLE"
DUMMY_SECRET_ACCESS_KEY = "awstape/dummy/secret/access/key/not/real/0000"
DEFAULT_REGION = "us-east-1"


@contextlib.contextmanager
def isolation(region: str | None = None, endpoint_url: str | None = None) -> Iterator[None]:
    """For the block, an AWS environment that knows nothing of the developer's identity, and
    keeps the settings of their config file that change how calls are made."""
    with settings_only() as settings, variables(isolated(region, endpoint_url, settings)):
        yield


def isolated(region: str | None = None, endpoint_url: str | None = None,
             settings: str | None = None) -> dict[str, str]:
    """The variables of an AWS environment that knows nothing of the developer's identity;
    ``settings``, a config file of settings only (see ``settings_only``), keeps how calls are
    made (S3 transfer settings, retry mode), for the profile the environment named."""
    values = {
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_ACCESS_KEY,
        "AWS_CONFIG_FILE": settings or os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": region or DEFAULT_REGION,
    }
    if settings and os.environ.get("AWS_PROFILE"):
        values["AWS_PROFILE"] = os.environ["AWS_PROFILE"]
    if endpoint_url:
        values["AWS_ENDPOINT_URL"] = endpoint_url
    return values


# What a config file may say about who calls (credentials, roles, SSO), as against how.
_IDENTITY = (r"aws_access_key_id|aws_secret_access_key|aws_session_token|"
             r"aws_security_token|credential_process|credential_source|role_arn|"
             r"source_profile|web_identity_token_file|role_session_name|external_id|"
             r"mfa_serial|duration_seconds|sso_.*|login_session|endpoint_url")


@contextlib.contextmanager
def settings_only() -> Iterator[str | None]:
    """A copy of the developer's AWS config file (``AWS_CONFIG_FILE``, else ``~/.aws/config``)
    holding only settings: every key about identity, and every ``sso-session`` section, is
    left out, so that replay keeps the settings that change which calls are made and never
    reads a credential. None when there is no such file. One copy per version of the file,
    made at its first use and removed when the process ends: every replayed test asks."""
    source = Path(os.environ.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config")
    try:
        status = source.stat()
    except OSError:
        status = None
    kept = _settings_copy(source, status.st_mtime_ns, status.st_size) if status else None
    yield kept  # outside any except block: the test's own errors get no context


@functools.cache
def _settings_copy(source: Path, mtime_ns: int, size: int) -> str | None:
    import configparser

    from awstape.runtime.scratch import process_folder

    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    for section in parser.sections():
        if section.startswith("sso-session"):
            parser.remove_section(section)
            continue
        for key in [k for k in parser[section] if re.fullmatch(_IDENTITY, k)]:
            parser.remove_option(section, key)
    kept = process_folder("awstape-settings-") / "config"
    with kept.open("w", encoding="utf-8") as file:
        parser.write(file)
    return str(kept)


@contextlib.contextmanager
def variables(values: Mapping[str, str], clear: tuple[str, ...] = AWS_VARIABLES) -> Iterator[None]:
    """Unset ``clear``, set ``values``, and put everything back afterwards."""
    names = {*clear, *values}
    saved = {name: os.environ[name] for name in _present(names)}
    for name in saved.keys() - values.keys():
        del os.environ[name]
    os.environ.update(values)
    try:
        yield
    finally:
        for name in _present(names - saved.keys()):
            del os.environ[name]
        os.environ.update(saved)


def _present(names: set[str]) -> list[str]:
    """Which of ``names`` the environment holds, in one pass over it: asking for each name
    that is absent costs os.environ an exception (every replayed test asks for thirty)."""
    return [name for name in os.environ if name in names]


class _AnyProfile(dict[str, Any]):
    """A profile map in which every name the code asks for exists, with the dummy credentials
    and no region (the isolated environment's applies)."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> dict[str, Any]:
        return {"aws_access_key_id": DUMMY_ACCESS_KEY_ID,
                "aws_secret_access_key": DUMMY_SECRET_ACCESS_KEY}

    def get(self, name: str, default: Any = None) -> Any:
        return self[name]


@contextlib.contextmanager
def any_profile() -> Iterator[None]:
    """Inside an isolated environment, ``boto3.Session(profile_name="x")`` and ``AWS_PROFILE``
    find their profile (with dummy credentials) instead of raising ``ProfileNotFound``; the
    real files are never read."""
    import botocore.configloader
    from botocore.exceptions import ConfigNotFound

    original = botocore.configloader.load_config

    def load(config_filename: str) -> dict[str, Any]:  # the session's and the providers'
        try:
            config = dict(original(config_filename))
        except ConfigNotFound:  # /dev/null, as isolation points it
            config = {}
        config["profiles"] = _AnyProfile(config.get("profiles") or {})
        return config

    botocore.configloader.load_config = load
    try:
        yield
    finally:
        botocore.configloader.load_config = original


def current() -> dict[str, str]:
    """The AWS variables set now."""
    return {name: os.environ[name] for name in AWS_VARIABLES if name in os.environ}


def is_aws_endpoint(url: str) -> bool:
    host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws"))
