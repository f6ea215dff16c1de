"""Replay keeps the settings of the developer's AWS config file that change which calls are
made (the aws CLI's S3 multipart threshold), and never the credentials it also holds."""

from __future__ import annotations

from awstape.runtime import standin

from .conftest import Project

CLI_TEST = '''
import pytest
from awscli.clidriver import create_clidriver


@pytest.mark.vcr
def test_copy_a_file_the_config_says_to_upload_in_parts(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * (12 * 1024 * 1024))
    assert create_clidriver().main(["s3", "mb", "s3://settings-kept"]) == 0
    assert create_clidriver().main(
        ["s3", "cp", str(tmp_path / "big"), "s3://settings-kept/big", "--quiet"]) == 0
'''

CANARY = "canary-" + "config-credential-0042"
CONFIG = f'''[default]
region = us-east-1
aws_secret_access_key = {CANARY}
retry_mode = standard
s3 =
    multipart_threshold = 5MB
    multipart_chunksize = 5MB
'''


def test_the_config_files_settings_apply_at_replay_and_its_credentials_never(
        project: Project) -> None:
    project.write("test_cli.py", CLI_TEST)
    config = project.write("aws-config", CONFIG)
    with standin.running() as server:  # an endpoint, as AWS: recorded with the config as it is
        project.pytest("--record-mode=once", timeout=300, env={
            "AWS_CONFIG_FILE": str(config), "AWS_ENDPOINT_URL": server.endpoint_url,
            "AWS_ACCESS_KEY_ID": "AKIASETTINGSEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x",
        }).assert_outcomes(passed=1)
    cassette = project.cassette("test_cli", "test_copy_a_file_the_config_says_to_upload_in_parts")
    calls = [i["call"] for i in project.load(
        "test_cli", "test_copy_a_file_the_config_says_to_upload_in_parts")["interactions"]]
    assert calls.count("s3.UploadPart") == 3, calls  # 12 MiB in 5 MiB parts, as configured
    assert CANARY not in cassette.read_text()
    project.pytest(offline=True, env={"AWS_CONFIG_FILE": str(config)}).assert_outcomes(passed=1)


def test_the_copy_replay_reads_holds_settings_and_no_identity(project: Project,
                                                                monkeypatch) -> None:
    from pathlib import Path

    from awstape.runtime import environment

    config = project.write("aws-config", CONFIG + f'''
[profile ops]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = default
credential_process = /usr/bin/fetch-{CANARY}
max_attempts = 7

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start/{CANARY}
''')
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with environment.settings_only() as kept:
        assert kept is not None
        text = Path(kept).read_text()
    assert CANARY not in text and "role_arn" not in text and "sso-session" not in text
    assert "multipart_threshold = 5MB" in text and "max_attempts = 7" in text
    assert "retry_mode = standard" in text and "region = us-east-1" in text
    with environment.settings_only() as again:
        assert again == kept  # one copy while the file is unchanged
    Path(config).write_text(CONFIG + "\n[profile other]\nregion = eu-west-1\n")
    with environment.settings_only() as changed:
        assert changed != kept and "eu-west-1" in Path(changed or "").read_text()


def test_without_a_config_file_the_tests_own_errors_carry_no_context(tmp_path, monkeypatch
                                                                      ) -> None:
    from awstape.runtime import environment

    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))
    try:
        with environment.settings_only() as kept:
            assert kept is None
            raise ValueError("the test's own")
    except ValueError as error:
        assert error.__context__ is None  # no "during handling of FileNotFoundError"
