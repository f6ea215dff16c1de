"""The S3 data plane as code uses it: a 16 MiB multipart upload and download on four threads
(s3transfer), flexible checksums (CRC32C and CRC64NVME with botocore's CRT extra), and a
presigned URL fetched with urllib in the same test,
recorded on the stand-in and replayed offline."""

from __future__ import annotations

from .conftest import Project

DATA_PLANE = '''import hashlib
import random
import urllib.request
from uuid import uuid4

import boto3
import pytest
from boto3.s3.transfer import TransferConfig

MiB = 1024 * 1024
THREADED = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                          max_concurrency=4)


@pytest.mark.vcr
def test_multipart_upload_and_download_with_threads(tmp_path):
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = f"data-{uuid4()}"
    s3.create_bucket(Bucket=bucket)
    data = random.randbytes(16 * MiB)
    (tmp_path / "up").write_bytes(data)
    s3.upload_file(str(tmp_path / "up"), bucket, "big", Config=THREADED)
    s3.download_file(bucket, "big", str(tmp_path / "down"), Config=THREADED)
    assert hashlib.sha256((tmp_path / "down").read_bytes()).digest() == \\
        hashlib.sha256(data).digest()


@pytest.mark.vcr
@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_flexible_checksums(algorithm):
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = f"sums-{uuid4()}"
    s3.create_bucket(Bucket=bucket)
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"checked" * 100,
                        ChecksumAlgorithm=algorithm)
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"checked" * 100
    assert got[f"Checksum{algorithm}"] == put[f"Checksum{algorithm}"]


@pytest.mark.vcr
def test_presigned_get_with_urllib():
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = f"pre-{uuid4()}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"},
                                    ExpiresIn=60)
    assert urllib.request.urlopen(url, timeout=10).read() == b"hello"
'''


def test_threaded_multipart_checksums_and_a_presigned_fetch_replay_offline(
        project: Project) -> None:
    project.write("test_data_plane.py", DATA_PLANE)
    project.pytest("--record-mode=once", "--aws-standin", timeout=300).assert_outcomes(passed=7)
    document = project.load("test_data_plane", "test_multipart_upload_and_download_with_threads")
    calls = [i["call"] for i in document["interactions"]]
    assert calls.count("s3.UploadPart") == 4 and "s3.CompleteMultipartUpload" in calls
    assert calls.count("s3.GetObject") >= 4  # ranged parts of the download
    project.pytest(offline=True, env={"CI": "true"}).assert_outcomes(passed=7)
