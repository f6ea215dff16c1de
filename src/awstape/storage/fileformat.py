"""The cassette file: reviewable text on disk, exact bytes in memory.

A cassette is JSON laid out one field per line. JSON is a subset of the YAML that
``yaml.safe_load`` reads, so the ``.yaml`` name pytest-recording expects stays true, while
loading runs at ``json.loads`` speed (DESIGN §3.8: 50x faster than YAML for 1,000 calls).

Bodies are stored in the most readable form that gives back the same bytes to botocore's
parser: JSON documents as structured data, XML one element per line, other text as a list of
lines, anything else as base64, and bodies above ``EXTERNAL_BODY_LIMIT`` once,
content-addressed, in ``_bodies/`` beside the cassette. YAML written by vcrpy or by hand is
still read, with a safe loader.
"""

from __future__ import annotations

import base64
import binascii
import collections
import contextlib
import glob
import hashlib
import json
import os
import re
import stat
import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import Any

from awstape.model.errors import CassetteNotWritten, CorruptCassette
from awstape.storage import schema

__all__ = [
    "BODIES_DIR", "EXTERNAL_BODY_LIMIT", "FORMAT_VERSION", "decode_body", "dumps",
    "encode_body", "lacks_section", "load_document", "loads_document", "write_atomically"
]

FORMAT_VERSION = schema.FORMAT_VERSION
# Larger files are refused before they are read: no cassette is this big, and reading one
# must stay within bounded time and memory.
MAX_CASSETTE_BYTES = 256 * 1024 * 1024
# YAML aliases let a small file expand without bound (a "billion laughs"): a YAML cassette
# is refused if, with its aliases expanded, it would hold more nodes than this.
_MAX_YAML_NODES = 5_000_000
EXTERNAL_BODY_LIMIT = 64 * 1024
# A leaf element with its text, or any other tag, or text between tags.
_XML_PIECE = re.compile(r"<[^/!?<>][^<>]*>[^<]*</[^<>]*>|<[^<>]*>|[^<]+")
# In indented JSON every number stands alone on its line; PyYAML (YAML 1.1) reads 1e-07 as a
# string, so exponents get a ".0" that both JSON and YAML read as the same float.
_BARE_EXPONENT = re.compile(r'^(\s*(?:"(?:[^"\\]|\\.)*": )?-?\d+)(e[-+]?\d+,?)$', re.MULTILINE)
BODIES_DIR = "_bodies"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def encode_body(data: bytes, content_type: str,
                external: dict[str, bytes] | None = None) -> dict[str, Any]:
    """The stored form of a body; ``decode_body`` gives ``data`` back (up to JSON spacing).

    With ``external``, a body over ``EXTERNAL_BODY_LIMIT`` is put there by its sha256, for the
    caller to write into the bodies folder once the whole cassette may be written.
    """
    if not data:
        return {}
    if len(data) > EXTERNAL_BODY_LIMIT and external is not None:
        digest = hashlib.sha256(data).hexdigest()
        external[digest] = data
        return {"sha256": digest, "size": len(data)}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}
    if "json" in content_type or text[:1] in "{[":
        try:
            return {"json": json.loads(text)}
        except ValueError:
            pass
    if text.startswith("<"):
        # One element per line for review, however the server laid it out (an XML
        # declaration on its own line, then the whole listing on one); joined back with
        # nothing in between, so the bytes (and what botocore parses) stay as recorded.
        pieces: list[str] = []
        for piece in _XML_PIECE.findall(text):
            if pieces and not piece.strip():  # indentation stays with the element before
                pieces[-1] += piece
            else:
                pieces.append(piece)
        if "".join(pieces) == text:
            return {"xml": pieces}
    if "\n" in text.rstrip("\n"):
        return {"lines": text.split("\n")}
    return {"text": text}


_BODY_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps's, made once: per replay


def decode_body(stored: dict[str, Any], bodies_dir: Path | None) -> bytes:
    if not stored:
        return b""
    if "json" in stored:
        return _BODY_ENCODER.encode(stored["json"]).encode("utf-8")
    if "xml" in stored:
        return "".join(stored["xml"]).encode("utf-8")
    if "lines" in stored:
        return "\n".join(stored["lines"]).encode("utf-8")
    if "text" in stored:
        return str(stored["text"]).encode("utf-8")
    if "base64" in stored:
        try:
            return base64.b64decode(stored["base64"], validate=True)
        except (binascii.Error, ValueError):
            raise CorruptCassette("a body stored as base64 is not valid base64") from None
    if "sha256" in stored:
        return _read_external(stored["sha256"], bodies_dir)
    raise CorruptCassette(f"unknown body form with keys {sorted(stored)}")


def write_external(bodies_dir: Path, external: dict[str, bytes]) -> None:
    """Write the bodies ``encode_body`` put aside, each once (content-addressed)."""
    for digest, data in external.items():
        target = bodies_dir / digest
        if not target.is_file():
            write_atomically(target, data)


def _read_external(digest: Any, bodies_dir: Path | None) -> bytes:
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise CorruptCassette(f"a body reference {str(digest)[:80]!r} is not a sha256 digest: "
                              "bodies are kept only by digest, inside the _bodies folder")
    if bodies_dir is None:
        raise CorruptCassette(f"body {digest} is stored outside the cassette, but no folder given")
    path = bodies_dir / digest
    try:
        status = path.stat()
    except OSError:
        status = None
    if status is None or not stat.S_ISREG(status.st_mode):
        raise CorruptCassette(
            f"body file {path} is missing: it is committed beside the cassette; "
            "restore it from git or re-record the test")
    version = (str(path), status.st_size, status.st_mtime_ns)
    with _verified_lock:  # plays may come from several threads (s3transfer's)
        known = _verified.get(version)
        if known is not None:
            _verified.move_to_end(version)
            return known
    try:
        if status.st_size > MAX_CASSETTE_BYTES:
            raise CorruptCassette(f"body file {path} is larger than any body awstape keeps")
        data = path.read_bytes()
    except OSError as error:
        raise CorruptCassette(f"body file {path} cannot be read ({error.strerror})") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise CorruptCassette(f"body file {path} does not match its sha256: restore or re-record")
    _keep_verified(version, data)
    return data


# Bodies read and verified once, kept while the file is unchanged (same size and time): a
# test that downloads a 20 MB object in every run of a loop reads and hashes it once. The
# most recently played stay, up to a bound.
_VERIFIED_BYTES = 256 * 1024 * 1024
_verified: collections.OrderedDict[tuple[str, int, int], bytes] = collections.OrderedDict()


_verified_lock = threading.Lock()


def _keep_verified(version: tuple[str, int, int], data: bytes) -> None:
    with _verified_lock:
        _verified[version] = data
        while sum(len(kept) for kept in _verified.values()) > _VERIFIED_BYTES:
            _verified.popitem(last=False)


def dumps(document: dict[str, Any]) -> str:
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return _BARE_EXPONENT.sub(r"\1.0\2", text) + "\n"


def is_awstape_file(path: Path) -> bool:
    """Whether ``path`` is a file in awstape's layout, as ``dumps`` writes it: known from its
    first bytes."""
    try:
        with path.open("rb") as f:
            return f.read(len(_OWN_START)) == _OWN_START
    except OSError:
        return False


_OWN_START = b'{\n  "awstape": '


def lacks_section(path: Path, section: str) -> bool:
    """True when ``path`` is a file in awstape's layout, as ``dumps`` writes it, without a
    top-level ``section``: known from the text, without parsing it."""
    if path.stat().st_size > MAX_CASSETTE_BYTES:
        return False  # not ours to guess about: the load says what is wrong with it
    with path.open(encoding="utf-8", errors="replace") as f:
        text = f.read()
    return text.startswith('{\n  "awstape": ') and f'\n  "{section}": ' not in text


def load_document(path: Path) -> dict[str, Any]:
    """Read a cassette file; JSON first (ours), then safe YAML (vcrpy's and hand-written)."""
    try:
        if path.stat().st_size > MAX_CASSETTE_BYTES:
            raise CorruptCassette(
                f"{path}: {path.stat().st_size} bytes, over the {MAX_CASSETTE_BYTES} a cassette "
                "may have; it is not read. Restore it from git or record the test again.")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CorruptCassette(f"{path}: not UTF-8 text ({error.reason} at byte "
                              f"{error.start}); restore it from git") from None
    except OSError as error:
        raise CorruptCassette(f"{path}: cannot be read ({error.strerror or error})") from None
    return loads_document(text, str(path))


def loads_document(text: str, where: str) -> dict[str, Any]:
    """A cassette document from its text, checked against the cassette schema."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise CorruptCassette(f"{where}: nested too deeply to be a cassette") from None
    except ValueError as json_error:
        document = _load_yaml(where, text, json_error)
    if not isinstance(document, dict) or not isinstance(document.get("interactions"), list):
        raise CorruptCassette(
            f"{where}: not a cassette (expected a mapping with an 'interactions' list); "
            "restore it from git or delete it and record again with --record-mode=once"
        )
    if "awstape" in document:
        schema.check_awstape(document, where)
    else:
        schema.check_vcrpy(document, where)
    return document


def _load_yaml(where: str, text: str, json_error: ValueError) -> Any:
    import yaml

    try:
        nodes = _expanded_yaml_nodes(yaml.parse(text, Loader=_vcrpy_loader()))
        if nodes > _MAX_YAML_NODES:
            raise CorruptCassette(
                f"{where}: its YAML aliases expand to over {_MAX_YAML_NODES} nodes, far more "
                "than any cassette holds; it is not read. Restore it from git.")
        return yaml.load(text, Loader=_vcrpy_loader())
    except RecursionError:
        raise CorruptCassette(f"{where}: nested too deeply to be a cassette") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise CorruptCassette(
            f"{where}:{line} cannot be parsed ({json_error}; as YAML: "
            f"{getattr(error, 'problem', error)}); restore it from git, or delete it and "
            "record again with --record-mode=once"
        ) from None


def _expanded_yaml_nodes(events: Any) -> int:
    """How many nodes a YAML stream holds once its aliases are expanded, counted from the
    parser's events without building anything (stops counting past the limit)."""
    import yaml

    anchored: dict[str, int] = {}
    stack: list[tuple[int, str | None]] = [(0, None)]
    for event in events:
        if isinstance(event, yaml.AliasEvent):
            size = anchored.get(str(event.anchor), 1)
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor:
                anchored[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            stack.append((1, event.anchor))
            continue
        elif isinstance(event, yaml.CollectionEndEvent) and len(stack) > 1:
            size, anchor = stack.pop()
            if anchor:
                anchored[anchor] = size
        else:
            continue
        count, anchor = stack[-1]
        stack[-1] = (min(count + size, _MAX_YAML_NODES + 1), anchor)
    return stack[0][0]


@cache
def _vcrpy_loader() -> Any:
    """A safe YAML loader that also reads the body tag vcrpy writes for S3 objects.

    vcrpy pickles such bodies as ``!!python/object/apply:_io.BytesIO [!!binary ...]``, or
    (a request body botocore streamed) as ``!!python/object/new:_io.BytesIO`` with the bytes
    first in its ``state`` tuple, which safe loaders reject; here either tag only ever becomes
    the bytes it wraps, nothing is run.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def bytes_io(loader: Any, node: Any) -> bytes:
        arguments = loader.construct_sequence(node, deep=True)
        return bytes(arguments[0]) if arguments else b""

    def bytes_io_state(loader: Any, node: Any) -> bytes:
        for key, value in getattr(node, "value", ()):
            if getattr(key, "value", None) == "state" and getattr(value, "value", None):
                first = loader.construct_object(value.value[0], deep=True)
                return bytes(first) if isinstance(first, bytes | bytearray) else b""
        return b""

    loader: Any = type("VcrpyCassetteLoader", (base,), {})
    loader.add_constructor("tag:yaml.org,2002:python/object/apply:_io.BytesIO", bytes_io)
    loader.add_constructor("tag:yaml.org,2002:python/object/new:_io.BytesIO", bytes_io_state)
    return loader


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it over: readers never see half,
    and a failed write (a full disk) leaves the previous file as it was. The file gets the
    mode the one it replaces had, or what the umask gives a new file."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(path)
        mode = path.stat().st_mode & 0o7777 if path.is_file() else 0o666 & ~_umask()
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=_TEMPORARY_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
    except OSError as error:
        raise CassetteNotWritten(
            f"awstape: could not write {path}: {error.strerror or error}. Nothing was "
            "changed: the previous file, if any, is as it was. Free the space or fix the "
            "folder's permissions, then run again.") from None


_TEMPORARY_SUFFIX = ".awstape-tmp"


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files a killed write of ``path`` left behind (never renamed into place)."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*{_TEMPORARY_SUFFIX}"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _umask() -> int:
    # Read, not set and reset: os.umask would briefly change it for every thread.
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
