"""What changed between two recordings of the same tests: ``awstape diff OLD NEW``.

Compared semantically, call by call (the k-th ``ssm.GetParameter`` of the old cassette with the
k-th of the new): operations added, removed or reordered; the requests as replay matches them
(region, parameters) and vcrpy's plain HTTP; status and error codes; response fields added,
removed, changed in type or in value. What changes on every recording is left out, known by
meaning, never by a field's name: timestamps and secret members (by the model), page tokens
(by botocore's paginators), handles the server issued and the code sent back (by the
cassette's own data flow), and values by their format: request ids and other UUIDs, dates,
epoch times, random suffixes and tokens, a loopback server's port.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import botocore.parsers
from botocore.model import OperationModel

from awstape.model.calls import (
    CallName,
    differences,
    input_shape,
    looks_generated,
    match_view,
    operation_model,
    page_tokens,
    wire_protocol,
    without_drawn,
)
from awstape.model.errors import AwstapeError, CorruptCassette
from awstape.model.shapes import leaves
from awstape.redaction.rules import Rules
from awstape.runtime.network import without_loopback_port
from awstape.storage import fileformat

__all__ = [
    "Change", "ChangeKind", "as_json", "as_markdown", "diff_documents", "diff_files",
    "diff_paths"
]

_GENERATED = (
    re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    # Secrets Manager adds six random characters to a secret's ARN.
    re.compile(r"^(arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:.*)-[A-Za-z0-9]{6}$"),
    re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[0-9])(?=[A-Za-z0-9]*[A-Za-z])"
               r"[A-Za-z0-9]{6,}(?![A-Za-z0-9])"),
)


ChangeKind = Literal[
    "cassette-added", "cassette-removed", "operation-added", "operation-removed",
    "operations-reordered", "request-changed", "http-changed", "status-changed",
    "error-changed", "field-added", "field-removed", "type-changed", "value-changed"]


@dataclass(frozen=True)
class Change:
    cassette: str
    kind: ChangeKind
    call: str = ""
    field: str = ""
    old: str = ""
    new: str = ""


def diff_paths(old: Path, new: Path, secrets: Rules | None = None) -> list[Change]:
    """The changes between two cassettes, or two trees of them (paired by relative path)."""
    if old.is_file() and new.is_file():
        return diff_files(old, new, str(new), secrets)
    pairs = _cassettes(old), _cassettes(new)
    changes: list[Change] = []
    for relative in sorted(set(pairs[0]) | set(pairs[1])):
        if relative not in pairs[1]:
            changes.append(Change(relative, "cassette-removed"))
        elif relative not in pairs[0]:
            changes.append(Change(relative, "cassette-added"))
        else:
            changes += diff_files(pairs[0][relative], pairs[1][relative], relative, secrets)
    return changes


def _cassettes(root: Path) -> dict[str, Path]:
    if not root.exists():
        raise AwstapeError(f"awstape diff: no such file or directory: {root}")
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*.yaml"))
            if fileformat.BODIES_DIR not in p.parts}


def diff_files(old: Path, new: Path, name: str, secrets: Rules | None = None) -> list[Change]:
    before, after = fileformat.load_document(old), fileformat.load_document(new)
    try:
        return diff_documents(before, after, name, secrets,
                              (old.parent / fileformat.BODIES_DIR,
                               new.parent / fileformat.BODIES_DIR))
    except CorruptCassette as error:
        raise CorruptCassette(f"{old} or {new}: {error}") from None


def diff_documents(old: dict[str, Any], new: dict[str, Any], name: str,
                   secrets: Rules | None = None,
                   bodies: tuple[Path | None, Path | None] = (None, None)) -> list[Change]:
    """The changes between two cassette documents; ``secrets`` says which fields hold fakes
    (the built-in rules by default), ``bodies`` where each keeps its large bodies."""
    secrets = secrets or Rules()
    before, after = old.get("interactions", []), new.get("interactions", [])
    changes = _operations(name, [i["call"] for i in before], [i["call"] for i in after])
    handles = _handles(before), _handles(after)
    for call, a, b in _pairs(before, after):
        changes += _request(name, call, a, b, secrets, handles)
        changes += _response(name, call, _Fields.of(call, a["response"], secrets, bodies[0]),
                             _Fields.of(call, b["response"], secrets, bodies[1]),
                             a["response"], b["response"], handles)
    return changes + _http(name, old.get("http") or [], new.get("http") or [])


def _handles(interactions: list[dict[str, Any]]) -> frozenset[str]:
    """Values the server issued and the code sent back later (a receipt handle, an upload id):
    opaque by the data flow. Long and unspaced: a short one passed on ("2") is compared."""
    issued: set[str] = set()
    handles: set[str] = set()
    for interaction in interactions:
        sent = {v for _, v in _leaves(interaction.get("params") or {}) if isinstance(v, str)}
        handles |= sent & issued
        response = interaction.get("response") or {}
        issued |= {v for v in [*(v for _, v in _leaves(_tree(response.get("body") or {}))),
                               *(response.get("headers") or {}).values()]
                   if isinstance(v, str) and len(v) >= 16 and not re.search(r"\s", v)}
    return frozenset(handles)


def _request(name: str, call: str, old: dict[str, Any], new: dict[str, Any],
             secrets: Rules, handles: tuple[frozenset[str], frozenset[str]]) -> list[Change]:
    """What replay matches on: the region and the parameters as matching sees them (secret
    members by presence, idempotency tokens left out). A change here means the old cassette
    would no longer answer the code."""
    changes = []
    if old.get("region") != new.get("region"):
        changes.append(Change(name, "request-changed", call, "region",
                              str(old.get("region")), str(new.get("region"))))
    service, _, operation = call.partition(".")
    shape = input_shape(CallName(service, operation, ""))
    test = secrets.secret_test(CallName(service, operation, ""))
    # Generated ids the code passes back (an upload id from the call before) are the same
    # at replay as in the cassette they came from: not a change of the request.
    views = (_normalized_tree(match_view(old.get("params", {}), shape, test), handles[0]),
             _normalized_tree(match_view(new.get("params", {}), shape, test), handles[1]))
    if views[0] != views[1]:
        changes += [Change(name, "request-changed", call, "parameters", new=line)
                    for line in differences(*views)]
    return changes


def _http(name: str, old: list[Any], new: list[Any]) -> list[Change]:
    """Plain HTTP (vcrpy's section): the requests, which is what vcrpy matches on."""
    def requests(http: list[Any]) -> list[str]:
        return [f"{i['request'].get('method')} {i['request'].get('uri')}" for i in http]

    before, after = requests(old), requests(new)
    changes = [Change(name, "http-changed", field=f"http[{index}]", old=a, new=b)
               for index, (a, b) in enumerate(zip(before, after, strict=False)) if a != b]
    if len(before) != len(after):
        changes.append(Change(name, "http-changed", field="http", old=f"{len(before)} request(s)",
                              new=f"{len(after)} request(s)"))
    changes += [Change(name, "http-changed", field=f"http[{index}].request.body",
                       old="(changed)", new="(changed)")
                for index, (a, b) in enumerate(zip(old, new, strict=False))
                if a["request"].get("body") != b["request"].get("body")]
    return changes


@dataclass(frozen=True)
class _Fields:
    """A response as the test sees it, leaf by leaf: parsed by botocore with the operation's
    output shape where it can be, so fields are named as in AWS's API; secret positions (by
    the one secret authority) and timestamps (by the model) are known, not guessed."""

    values: dict[str, Any]
    unchecked: frozenset[str]  # secret fakes and timestamps: their values are not compared

    @classmethod
    def of(cls, call: str, response: dict[str, Any], secrets: Rules,
           bodies: Path | None) -> _Fields:
        service, _, operation = call.partition(".")
        model = operation_model(service, operation)
        parsed = _parsed(model, response, bodies) if model is not None else None
        if model is None or parsed is None:
            return cls(dict(_leaves(_tree(response.get("body") or {}))), frozenset())
        values, unchecked = {}, set()
        test = secrets.secret_test(CallName(service, operation, ""))
        for node, value in leaves(parsed, model.output_shape, test):
            if node.path[:1] == ("ResponseMetadata",) or node.role == "key":
                continue
            path = _dotted(node.path)
            values[path] = value.isoformat() if isinstance(value, _dt.datetime) else value
            if node.secret or (node.shape is not None and node.shape.type_name == "timestamp"):
                unchecked.add(path)
        return cls(values, frozenset(unchecked))


def _parsed(model: OperationModel, response: dict[str, Any],
            bodies: Path | None) -> dict[str, Any] | None:
    status = int(response.get("status") or 200)
    if status >= 300 or model.output_shape is None:
        return None
    body = fileformat.decode_body(response.get("body") or {}, bodies)  # broken: said so
    try:
        parser = botocore.parsers.create_parser(wire_protocol(model.service_model))
        parsed = parser.parse({"status_code": status, "headers": response.get("headers") or {},
                               "body": body}, model.output_shape)
    except Exception:  # a body botocore cannot read: compared as stored
        return None
    return parsed if isinstance(parsed, dict) else None


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


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


def _response(name: str, call: str, a: _Fields, b: _Fields, old: dict[str, Any],
              new: dict[str, Any], handles: tuple[frozenset[str], frozenset[str]]
              ) -> list[Change]:
    changes = []
    if old.get("status") != new.get("status"):
        changes.append(Change(name, "status-changed", call, "status", str(old.get("status")),
                              str(new.get("status"))))
    old_error, new_error = _error_code(old), _error_code(new)
    if old_error != new_error:
        changes.append(Change(name, "error-changed", call, "error code", old_error or "none",
                              new_error or "none"))
    # Paths normalized too: maps keyed by generated ids (version ids) pair up.
    before = {_normalized(k): v for k, v in a.values.items()}
    after = {_normalized(k): v for k, v in b.values.items()}
    unchecked = {_normalized(k) for k in a.unchecked | b.unchecked}
    unchecked |= page_tokens(*call.split(".", 1))
    for path in sorted(set(before) | set(after)):
        if path not in after:
            changes.append(Change(name, "field-removed", call, path, _show(before[path])))
        elif path not in before:
            changes.append(Change(name, "field-added", call, path, new=_show(after[path])))
        elif _kind(before[path]) != _kind(after[path]):
            changes.append(Change(name, "type-changed", call, path, _kind(before[path]),
                                  _kind(after[path])))
        elif (before[path] != after[path] and path not in unchecked
              and not (isinstance(before[path], str) and before[path] in handles[0]
                       and after[path] in handles[1])
              and _normalized(before[path]) != _normalized(after[path])):
            changes.append(Change(name, "value-changed", call, path, _show(before[path]),
                                  _show(after[path])))
    return changes


def _error_code(response: dict[str, Any]) -> str:
    headers = response.get("headers") or {}
    if headers.get("x-amzn-errortype"):
        return str(headers["x-amzn-errortype"]).split(":")[0]
    if int(response.get("status") or 200) < 300:
        return ""
    body = _tree(response.get("body") or {})
    found = {k: v for k, v in _leaves(body) if k.rsplit(".", 1)[-1] in ("__type", "Code", "code")}
    return str(next(iter(found.values()), "")).rsplit("#", 1)[-1]


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
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _normalized(str(value)) if looks_generated(str(value)) else value  # epoch times
    if not isinstance(value, str):
        return value
    # A loopback server's port changes on every run (a stand-in's queue URL); a receipt
    # handle or any other base64 run is drawn anew.
    value = without_drawn(without_loopback_port(value, "<port>"))
    for pattern in _GENERATED:
        value = pattern.sub(lambda m: (m.group(1) + "-" if m.groups() else "") + "<generated>",
                            value)
    return value


def _normalized_tree(node: Any, handles: frozenset[str]) -> Any:
    if isinstance(node, dict):
        return {k: _normalized_tree(v, handles) for k, v in node.items()}
    if isinstance(node, list):
        return [_normalized_tree(v, handles) for v in node]
    return "<handle>" if isinstance(node, str) and node in handles else _normalized(node)


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
