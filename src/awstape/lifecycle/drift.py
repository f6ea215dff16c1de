"""What changed between two recordings of the same tests: ``awstape diff OLD NEW``.

Compared semantically, call by call (the k-th ``ssm.GetParameter`` of the old cassette with the
k-th of the new): operations added, removed or reordered; status and error codes; response
fields added, removed, changed in type or in value. What changes on every recording is left
out: request ids, dates and times, recording provenance, ids that look generated (UUIDs,
random suffixes), and secret members, which hold fakes.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from awstape.model.calls import operation_model
from awstape.model.errors import AwstapeError
from awstape.redaction import rules
from awstape.storage import fileformat

# Field names whose values change on every call.
VOLATILE_FIELD = re.compile(
    r"(?i)(request_?id|date|time(stamp)?$|^(created|updated|modified|expires|expiration)|"
    r"_?at$|versionid|uploadid|etag|nexttoken|^marker$|^token$|continuationtoken)")
_GENERATED = (
    re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    # Secrets Manager adds six random characters to a secret's ARN.
    re.compile(r"^(arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:.*)-[A-Za-z0-9]{6}$"),
    re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[0-9])(?=[A-Za-z0-9]*[A-Za-z])"
               r"[A-Za-z0-9]{6,}(?![A-Za-z0-9])"),
)
_SECRET_NAME = re.compile(r"(?i)password|secret|token|credential|privatekey")


@dataclass(frozen=True)
class Change:
    cassette: str
    kind: str  # cassette-added, cassette-removed, operation-added, operation-removed,
    # operations-reordered, status-changed, error-changed, field-added, field-removed,
    # type-changed, value-changed
    call: str = ""
    field: str = ""
    old: str = ""
    new: str = ""


def diff_paths(old: Path, new: Path) -> list[Change]:
    """The changes between two cassettes, or two trees of them (paired by relative path)."""
    if old.is_file() and new.is_file():
        return diff_files(old, new, str(new))
    pairs = _cassettes(old), _cassettes(new)
    changes: list[Change] = []
    for relative in sorted(set(pairs[0]) | set(pairs[1])):
        if relative not in pairs[1]:
            changes.append(Change(relative, "cassette-removed"))
        elif relative not in pairs[0]:
            changes.append(Change(relative, "cassette-added"))
        else:
            changes += diff_files(pairs[0][relative], pairs[1][relative], relative)
    return changes


def _cassettes(root: Path) -> dict[str, Path]:
    if not root.exists():
        raise AwstapeError(f"awstape diff: no such file or directory: {root}")
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*.yaml"))
            if fileformat.BODIES_DIR not in p.parts}


def diff_files(old: Path, new: Path, name: str) -> list[Change]:
    return diff_documents(fileformat.load_document(old), fileformat.load_document(new), name)


def diff_documents(old: dict[str, Any], new: dict[str, Any], name: str) -> list[Change]:
    before, after = old.get("interactions", []), new.get("interactions", [])
    changes = _operations(name, [i["call"] for i in before], [i["call"] for i in after])
    for call, a, b in _pairs(before, after):
        changes += _response(name, call, a["response"], b["response"])
    return changes


def _operations(name: str, before: list[str], after: list[str]) -> list[Change]:
    added, removed = Counter(after) - Counter(before), Counter(before) - Counter(after)
    changes = [Change(name, "operation-added", call, new=f"{count} more call(s)")
               for call, count in sorted(added.items())]
    changes += [Change(name, "operation-removed", call, old=f"{count} call(s) fewer")
                for call, count in sorted(removed.items())]
    if not added and not removed and before != after:
        first = next(i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b)
        changes.append(Change(name, "operations-reordered", after[first],
                              old=f"#{first + 1} was {before[first]}",
                              new=f"#{first + 1} is {after[first]}"))
    return changes


def _pairs(before: list[dict[str, Any]],
           after: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The k-th recording of each call in the old cassette with the k-th in the new."""
    queues: dict[str, list[dict[str, Any]]] = {}
    for interaction in after:
        queues.setdefault(interaction["call"], []).append(interaction)
    for interaction in before:
        queue = queues.get(interaction["call"])
        if queue:
            yield interaction["call"], interaction, queue.pop(0)


def _response(name: str, call: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    if old.get("status") != new.get("status"):
        changes.append(Change(name, "status-changed", call, "status", str(old.get("status")),
                              str(new.get("status"))))
    old_error, new_error = _error_code(old), _error_code(new)
    if old_error != new_error:
        changes.append(Change(name, "error-changed", call, "error code", old_error or "none",
                              new_error or "none"))
    secret_fields = _secret_fields(call)
    # Paths normalized too: maps keyed by generated ids (version ids) pair up.
    a = {_normalized(k): v for k, v in _leaves(_tree(old.get("body") or {}))}
    b = {_normalized(k): v for k, v in _leaves(_tree(new.get("body") or {}))}
    for path in sorted(set(a) | set(b)):
        last = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1]
        if path not in b:
            changes.append(Change(name, "field-removed", call, path, _show(a[path])))
        elif path not in a:
            changes.append(Change(name, "field-added", call, path, new=_show(b[path])))
        elif _kind(a[path]) != _kind(b[path]):
            changes.append(Change(name, "type-changed", call, path, _kind(a[path]),
                                  _kind(b[path])))
        elif (a[path] != b[path] and not VOLATILE_FIELD.search(last)
              and not _holds_fake(path, last, secret_fields, a)
              and _normalized(a[path]) != _normalized(b[path])):
            changes.append(Change(name, "value-changed", call, path, _show(a[path]),
                                  _show(b[path])))
    return changes


def _holds_fake(path: str, last: str, secret_fields: frozenset[str],
                leaves: dict[str, Any]) -> bool:
    if _SECRET_NAME.search(last):
        return True
    if last not in secret_fields:
        return False
    parent = path.rsplit(".", 1)[0] if "." in path else ""
    siblings = {k.rsplit(".", 1)[-1]: v for k, v in leaves.items()
                if (k.rsplit(".", 1)[0] if "." in k else "") == parent}
    return not rules.plain_by_sibling(siblings, last)  # an SSM String's Value is plain


def _error_code(response: dict[str, Any]) -> str:
    headers = response.get("headers") or {}
    if headers.get("x-amzn-errortype"):
        return str(headers["x-amzn-errortype"]).split(":")[0]
    if int(response.get("status") or 200) < 300:
        return ""
    body = _tree(response.get("body") or {})
    found = {k: v for k, v in _leaves(body) if k.rsplit(".", 1)[-1] in ("__type", "Code", "code")}
    return str(next(iter(found.values()), "")).rsplit("#", 1)[-1]


@cache
def _secret_fields(call: str) -> frozenset[str]:
    """Member names of the call's output that hold fakes: the models' and awstape's secrets."""
    service, _, operation = call.partition(".")
    model = operation_model(service, operation)
    names = set(rules.MISSED_SECRET_MEMBERS)
    stack = [model.output_shape] if model is not None and model.output_shape else []
    seen = set()
    while stack:
        shape = stack.pop()
        if shape.name in seen:
            continue
        seen.add(shape.name)
        for member_name, member in getattr(shape, "members", {}).items():
            if member.metadata.get("sensitive"):
                names.add(member_name)
            stack += [s for s in (member, getattr(member, "member", None),
                                  getattr(member, "value", None)) if s is not None]
    return frozenset(names)


def _tree(body: dict[str, Any]) -> Any:
    if "json" in body:
        return body["json"]
    if "xml" in body:
        try:
            return _xml(ElementTree.fromstring("".join(body["xml"])))
        except ElementTree.ParseError:
            return {"xml": "".join(body["xml"])}
    return {k: v for k, v in body.items()}


def _xml(element: ElementTree.Element) -> Any:
    children = list(element)
    if not children:
        return element.text or ""
    out: dict[str, Any] = {}
    for child in children:
        tag = child.tag.rsplit("}", 1)[-1]
        value = _xml(child)
        if tag in out:
            out[tag] = (out[tag] if isinstance(out[tag], list) else [out[tag]]) + [value]
        else:
            out[tag] = value
    return out


def _leaves(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        if not node and path:
            yield path, node
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        if not node:
            yield path, node
        for index, value in enumerate(node):
            yield from _leaves(value, f"{path}[{index}]")
    else:
        yield path, node


def _kind(value: Any) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string", dict: "object",
            list: "array"}.get(type(value), "null")


def _normalized(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    for pattern in _GENERATED:
        value = pattern.sub(lambda m: (m.group(1) + "-" if m.groups() else "") + "<generated>",
                            value)
    return value


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


# -- reports ------------------------------------------------------------------------------------

def as_json(changes: list[Change]) -> str:
    return json.dumps({"drift": bool(changes), "changes": [asdict(c) for c in changes]},
                      indent=2)


def as_markdown(changes: list[Change], title: str = "awstape drift report") -> str:
    if not changes:
        return f"## {title}\n\nNo drift: every re-recorded response matches its cassette.\n"
    by_cassette: dict[str, list[Change]] = {}
    for change in changes:
        by_cassette.setdefault(change.cassette, []).append(change)
    lines = [f"## {title}", "",
             f"**{len(changes)} change(s) in {len(by_cassette)} cassette(s).** Request ids, "
             "dates, generated ids and secret fakes are left out.", ""]
    for cassette, items in by_cassette.items():
        lines += [f"### `{cassette}`", "", "| operation | change | field | was | now |",
                  "|---|---|---|---|---|"]
        lines += [f"| {c.call and f'`{c.call}`'} | {c.kind} | {c.field and f'`{c.field}`'} "
                  f"| {_cell(c.old)} | {_cell(c.new)} |" for c in items]
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else ""
