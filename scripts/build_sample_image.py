"""Build tests/integration/fixtures/test_data/sample-image.tar, byte for byte the same each time.

    python -m scripts.build_sample_image [OUTPUT] [--tag backstage:latest] [--layers 2]

A tiny image in ``docker save`` format (docker-archive): a config and small layers of text
files, with fixed timestamps and owners, so its digests never change. No Docker needed.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import tarfile
from collections.abc import Sequence
from pathlib import Path

DEFAULT_OUTPUT = (Path(__file__).resolve().parent.parent / "tests" / "integration" / "fixtures"
                  / "test_data" / "sample-image.tar")
EPOCH = 1_700_000_000  # fixed mtime for every entry


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), EPOCH, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def build(tag: str = "backstage:latest", layers: int = 2, variant: str = "") -> bytes:
    """The archive's bytes. ``variant`` changes the content (another digest, same shape)."""
    layer_tars = [
        _tar({f"app/layer{n}/README.txt": f"sample layer {n} of {tag}{variant}\n".encode(),
              f"app/layer{n}/data.bin": bytes(range(256)) * (16 * (n + 1))})
        for n in range(layers)
    ]
    diff_ids = ["sha256:" + hashlib.sha256(t).hexdigest() for t in layer_tars]
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/app/start"], "Labels": {"org.goldenpath.sample": "true"}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "created": "2023-11-14T22:13:20Z",
    }, separators=(",", ":"), sort_keys=True).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    layer_names = [f"{d.removeprefix('sha256:')}/layer.tar" for d in diff_ids]
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": layer_names}],
                          separators=(",", ":")).encode()
    return _tar({"manifest.json": manifest, config_name: config,
                 **dict(zip(layer_names, layer_tars, strict=True))})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--tag", default="backstage:latest")
    parser.add_argument("--layers", type=int, default=2)
    args = parser.parse_args(argv)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(build(args.tag, args.layers))
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
