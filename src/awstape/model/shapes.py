"""The one walk over a value and its botocore shape.

Every part of awstape that reads a call's parameters or a response by their model goes through
``walk``: canonical parameters, matching, redaction, linking and drift. It is the only code that
knows how structures, maps (keys and values) and lists nest, and it asks one secret test for
every position, so a sensitive map value or list item is found as surely as a member.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping, MutableMapping, MutableSequence
from typing import Any, Literal, NamedTuple

from botocore.model import ServiceModel, Shape, StructureShape

__all__ = [
    "DESCEND",
    "DROP",
    "Node",
    "SecretTest",
    "Visit",
    "answers_by_shape",
    "any_position",
    "by_shape",
    "is_container",
    "leaves",
    "model_sensitive",
    "positions",
    "protocol_words",
    "typed_positions",
    "walk",
]

Role = Literal["root", "member", "key", "value", "item"]


class _Signal:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


DESCEND: Any = _Signal("DESCEND")  # from a visit: go inside the value, rebuilt from its parts
DROP: Any = _Signal("DROP")  # from a visit: leave this member, key or item out


class Node(NamedTuple):
    """A position in a call's value: where it is, what the model says of it. (A named
    tuple: one is made at every position of every call, and a frozen dataclass is three
    times slower to make.)"""

    path: tuple[str | int, ...]  # ("Parameters", 0, "Value"): member names, map keys, indexes
    member: str  # the nearest structure member's name ("" at the top)
    shape: Shape | None
    role: Role
    parent: Mapping[str, Any] | None = None  # for a member: the structure holding it
    secret: bool = False  # this position, or one that holds it, is secret

    @property
    def pattern(self) -> tuple[str, ...]:
        """The path as rules write it: list indexes become ``[]``."""
        return tuple("[]" if isinstance(p, int) else p for p in self.path)

    @property
    def idempotency_token(self) -> bool:
        """A member botocore fills with a fresh uuid4 on every call."""
        return (self.role == "member" and self.shape is not None
                and bool(self.shape.metadata.get("idempotencyToken")))


SecretTest = Callable[[Node], bool]
# A visit returns the value to keep for a position, DESCEND to go inside it, or DROP.
Visit = Callable[[Any, Node], Any]

_ROOT_PATH: tuple[str | int, ...] = ()


def protocol_words(service: ServiceModel) -> frozenset[str]:
    """The words a service's messages are made of: member names (as written on the wire too),
    enum values and JSON's literals. A secret that is one of them ("Password" as a password,
    "true" as an attribute value) must not be replaced as text: that would rewrite the
    protocol around it."""
    key = (service.service_name, service.api_version)
    if key not in _PROTOCOL_WORDS:
        _PROTOCOL_WORDS[key] = _read_protocol_words(service)
    return _PROTOCOL_WORDS[key]


_PROTOCOL_WORDS: dict[tuple[str, str], frozenset[str]] = {}  # a cache: models do not change


def _read_protocol_words(service: ServiceModel) -> frozenset[str]:
    words: set[str] = {"true", "false", "null"}
    for shape_name in service.shape_names:
        shape = service.shape_for(shape_name)
        words.update(shape.metadata.get("enum", ()))
        if isinstance(shape, StructureShape):
            for member, member_shape in shape.members.items():
                words.add(member)
                words.add(member_shape.serialization.get("name", member))
    return frozenset(words)


def by_shape(test: SecretTest) -> SecretTest:
    """Mark ``test`` as answering from a position's role, member name and shape alone, never
    from its path or value (a sibling value may only make a position plain): a whole
    operation can then be judged from its model, once (see ``positions``)."""
    test._awstape_by_shape = True  # type: ignore[attr-defined]
    return test


def answers_by_shape(test: SecretTest) -> bool:
    return getattr(test, "_awstape_by_shape", False) is True


@by_shape
def model_sensitive(node: Node) -> bool:
    """The models' own answer: the shape at this position is flagged ``sensitive``."""
    return node.shape is not None and bool(node.shape.metadata.get("sensitive"))


_SCALARS = frozenset({str, int, float, bool, type(None), bytes})


def is_container(value: Any) -> bool:
    """A mapping, list or tuple: a value the walk goes inside. Plain types are told apart
    first: an ABC's ``isinstance`` is slow, and this runs at every position of every call."""
    kind = type(value)
    if kind is dict or kind is list:
        return True
    return kind not in _SCALARS and isinstance(value, Mapping | list | tuple)


def walk(value: Any, shape: Shape | None, visit: Visit,
         is_secret: SecretTest | None = None) -> Any:
    """``value`` rebuilt through ``visit``, called on every position from the top down."""
    return _walk(value, Node(_ROOT_PATH, "", shape, "root"), visit, is_secret)


def leaves(value: Any, shape: Shape | None,
           is_secret: SecretTest | None = None) -> Iterator[tuple[Node, Any]]:
    """Every position that holds no structure, map or list, with its value."""
    found: list[tuple[Node, Any]] = []

    def visit(item: Any, node: Node) -> Any:
        blob = node.shape is not None and node.shape.type_name == "blob"
        if blob or not is_container(item):
            found.append((node, item))
        return DESCEND

    walk(value, shape, visit, is_secret)
    return iter(found)


Holder = MutableMapping[Any, Any] | MutableSequence[Any]


def typed_positions(value: Any, shape: Shape | None,
                    type_name: str) -> list[tuple[Holder, Any, Any]]:
    """Every position whose shape is of ``type_name`` ("timestamp"), as (holder, key or index,
    value), for changing it in place. Only the parts of ``value`` whose shapes can hold one
    are gone through, so a response without any costs one look-up."""
    found: list[tuple[Holder, Any, Any]] = []

    def go(item: Any, item_shape: Shape) -> None:
        plan = _plan(item_shape, type_name)
        if not plan:
            return
        if item_shape.type_name == "structure":
            if isinstance(item, dict):
                for member, child_shape, is_one in plan:
                    if member in item:
                        at(item, member, item[member], child_shape, is_one)
        elif isinstance(item, dict):  # a map: its values
            for key, child in item.items():
                at(item, key, child, plan[0][1], plan[0][2])
        elif isinstance(item, list):
            for index, child in enumerate(item):
                at(item, index, child, plan[0][1], plan[0][2])

    def at(holder: Holder, key: Any, child: Any, child_shape: Shape, is_one: bool) -> None:
        if is_one:
            found.append((holder, key, child))
        else:
            go(child, child_shape)

    if shape is not None:
        go(value, shape)
    return found


Plan = tuple[tuple[str, Shape, bool], ...]


def _plan(shape: Shape, type_name: str) -> Plan:
    """The parts of ``shape`` that are, or can hold, a ``type_name``: (member name, its shape,
    whether it is one). A map's or list's one part is its value's or item's. Kept on the shape
    itself, as botocore keeps its own cached properties: models do not change, and a plan
    lives as long as its shape."""
    plans: dict[str, Plan] = vars(shape).setdefault("_awstape_plans", {})
    if type_name not in plans:
        plans[type_name] = tuple((member, child, child.type_name == type_name)
                                 for member, child in _parts(shape)
                                 if _reaches(child, type_name))
    return plans[type_name]


def _reaches(shape: Shape, type_name: str) -> bool:
    """Whether a value of ``shape`` can hold one of ``type_name``. Each shape of the model is
    gone through once (recursive shapes come round again), and the answer kept."""
    known: dict[str, bool] = vars(shape).setdefault("_awstape_reaches", {})
    if type_name not in known:
        seen: set[str] = set()  # by name: botocore makes a new object at each resolution
        waiting = [shape]
        while waiting and not known.get(type_name):
            current = waiting.pop()
            if current.name not in seen:
                seen.add(current.name)
                known[type_name] = current.type_name == type_name
                waiting.extend(child for _, child in _parts(current))
    return known[type_name]


def positions(shape: Shape) -> tuple[Node, ...]:
    """Every kind of position a value of ``shape`` can have, the top included: one node for
    each role, member name and shape (with no path, no holder: for tests that answer by
    shape). Kept on the shape, as ``_plan`` is; recursive shapes come round once."""
    known: tuple[Node, ...] | None = vars(shape).get("_awstape_positions")
    if known is None:
        top = Node(_ROOT_PATH, "", shape, "root")
        found, seen, waiting = [top], {("", shape.name, "root")}, [top]
        while waiting:
            node = waiting.pop()
            assert node.shape is not None
            for child in _child_positions(node.shape, node.member):
                assert child.shape is not None
                if (child.member, child.shape.name, child.role) not in seen:
                    seen.add((child.member, child.shape.name, child.role))
                    found.append(child)
                    waiting.append(child)
        known = vars(shape).setdefault("_awstape_positions", tuple(found))
    return known


Judge = Callable[[Node, SecretTest], bool]


def any_position(shape: Shape, test: SecretTest, judge: Judge) -> bool:
    """Whether some position of ``shape`` meets ``judge`` under ``test`` (one that answers by
    shape). Judged once per shape, judge and test, and kept on the shape; the test is held
    weakly (a marker's rules do not outlive theirs)."""
    kept: dict[Judge, weakref.WeakKeyDictionary[SecretTest, bool]] | None = vars(shape).get(
        "_awstape_judged")
    if kept is None:
        kept = vars(shape).setdefault("_awstape_judged", {})
    by_test = kept.get(judge)
    if by_test is None:
        by_test = kept[judge] = weakref.WeakKeyDictionary()
    verdict = by_test.get(test)
    if verdict is None:
        verdict = by_test[test] = any(judge(node, test) for node in positions(shape))
    return verdict


def _child_positions(shape: Shape, member: str) -> list[Node]:
    if shape.type_name == "structure":
        return [Node(_ROOT_PATH, name, child, "member") for name, child in shape.members.items()]
    if shape.type_name == "map":
        return [Node(_ROOT_PATH, member, shape.key, "key"),
                Node(_ROOT_PATH, member, shape.value, "value")]
    if shape.type_name == "list":
        return [Node(_ROOT_PATH, member, shape.member, "item")]
    return []


def _parts(shape: Shape) -> list[tuple[str, Shape]]:
    if shape.type_name == "structure":
        return list(shape.members.items())
    if shape.type_name == "map":
        return [("", shape.value)]  # keys are strings
    if shape.type_name == "list":
        return [("", shape.member)]
    return []


def _walk(value: Any, node: Node, visit: Visit, is_secret: SecretTest | None) -> Any:
    result = visit(value, node)
    if result is not DESCEND:
        return result
    shape = node.shape
    if shape is not None and shape.type_name == "blob":
        return value  # a blob's canonical form ({"base64": ...}) is one value, not a map
    kind = type(value)
    if kind is dict or (kind not in _SCALARS and isinstance(value, Mapping)):
        out: dict[Any, Any] = {}
        if shape is not None and shape.type_name == "structure":
            members = shape.members
            for key, item in value.items():
                child = _child(node, key, str(key), members.get(key), "member", value, is_secret)
                kept = _walk(item, child, visit, is_secret)
                if kept is not DROP:
                    out[key] = kept
            return out
        key_shape, value_shape = getattr(shape, "key", None), getattr(shape, "value", None)
        for key, item in value.items():
            key_node = _child(node, key, node.member, key_shape, "key", None, is_secret)
            new_key = visit(key, key_node)
            if new_key is DROP:
                continue
            child = _child(node, key, node.member, value_shape, "value", None, is_secret)
            kept = _walk(item, child, visit, is_secret)
            if kept is not DROP:
                out[key if new_key is DESCEND else new_key] = kept
        return out
    if kind is list or (kind not in _SCALARS and isinstance(value, list | tuple)):
        item_shape = getattr(shape, "member", None)
        items = []
        for index, item in enumerate(value):
            child = _child(node, index, node.member, item_shape, "item", None, is_secret)
            kept = _walk(item, child, visit, is_secret)
            if kept is not DROP:
                items.append(kept)
        return items
    return value


def _child(parent: Node, step: Any, member: str, shape: Shape | None, role: Role,
           holder: Mapping[str, Any] | None, is_secret: SecretTest | None) -> Node:
    key = step if isinstance(step, int) and role == "item" else str(step)
    inherited = parent.secret and role != "key"  # a key is secret only by its own shape
    node = Node((*parent.path, key), member, shape, role, holder, inherited)
    if not inherited and is_secret is not None and is_secret(node):
        return Node(node.path, member, shape, role, holder, True)
    return node
