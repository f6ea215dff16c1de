"""Request files (YAML) read with every problem reported at once, each at its dotted path."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

import yaml


class RequestError(Exception):
    """A request file that cannot be used; ``problems`` are ``path: what is wrong`` lines."""

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        self.source = source
        self.problems = list(problems)
        listed = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s):\n{listed}")


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, noting every key that a mapping holds twice (PyYAML keeps the
    last one silently)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.duplicates: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                break  # PyYAML's own construct_mapping names it ("found unhashable key")
            if key in seen:
                self.duplicates.append(f"line {key_node.start_mark.line + 1}: key {key!r} is "
                                       "given twice (keep one)")
            seen.add(key)
        return super().construct_mapping(node, deep)


def load(path: str | Path) -> dict[str, Any]:
    source = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as error:
        raise RequestError(source, [f"cannot be read: {error.strerror}"]) from None
    except UnicodeDecodeError as error:
        raise RequestError(source, [f"byte {error.start}: not UTF-8 text (a request file is "
                                    "YAML)"]) from None
    loader = None
    try:
        loader = _Loader(text)  # reads the text at once: a character YAML refuses fails here
        document = loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RequestError(source, [f"{where}not valid YAML "
                                    f"({getattr(error, 'problem', error)})"]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if loader.duplicates:
        raise RequestError(source, loader.duplicates)
    if not isinstance(document, dict):
        raise RequestError(source, ["the file must hold a mapping (apiVersion, kind, ...)"])
    return document


_MISSING = object()


class Checker:
    """Reads fields of a request by dotted path, collecting problems instead of stopping."""

    def __init__(self, document: dict[str, Any], source: str) -> None:
        self.document = document
        self.source = source
        self.problems: list[str] = []
        self._read: set[str] = set()  # every path asked for, and the ones above it
        self._free: set[str] = set()  # mappings read whole: their keys are the user's own

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def _lookup(self, path: str) -> Any:
        parts = path.split(".")
        self._read.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
        node: Any = self.document
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return _MISSING
            node = node[part]
        return node

    def value(self, path: str, kind: type | tuple[type, ...], default: Any = _MISSING) -> Any:
        found = self._lookup(path)
        if found is _MISSING or found is None:
            if default is _MISSING:
                self.fail(path, "is required")
                return None
            return default
        if not isinstance(found, kind) or (kind is int and isinstance(found, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(
                k.__name__ for k in kind)
            self.fail(path, f"must be {_TYPE_WORDS.get(names, names)}, "
                            f"not {type(found).__name__} {found!r}")
            return None
        if isinstance(found, dict):
            self._free.add(path)
        return found

    def text(self, path: str, default: Any = _MISSING) -> Any:
        return self.value(path, str, default)

    def one_of(self, path: str, allowed: Iterable[str], default: Any = _MISSING) -> Any:
        allowed = list(allowed)
        found = self.text(path, default)
        if found is not None and found not in allowed:
            self.fail(path, f"must be one of {', '.join(allowed)} (got {found!r})")
            return None
        return found

    def matching(self, path: str, pattern: str, describe: str, default: Any = _MISSING) -> Any:
        found = self.text(path, default)
        if found is not None and not re.fullmatch(pattern, found):
            self.fail(path, f"must be {describe} (pattern {pattern}; got {found!r})")
            return None
        return found

    def integer(self, path: str, low: int, high: int, default: Any = _MISSING) -> Any:
        found = self.value(path, int, default)
        if found is not None and not low <= found <= high:
            self.fail(path, f"must be between {low} and {high} (got {found})")
            return None
        return found

    def strings(self, path: str, pattern: str | None = None, describe: str = "") -> list[str]:
        found = self.value(path, list, [])
        if found is None:
            return []
        out = []
        for index, item in enumerate(found):
            if not isinstance(item, str) or (pattern and not re.fullmatch(pattern, item)):
                self.fail(f"{path}[{index}]", f"must be {describe or 'a string'} (got {item!r})")
            else:
                out.append(item)
        return out

    def header(self, api_version: str, kind: str) -> None:
        self.one_of("apiVersion", [api_version])
        self.one_of("kind", [kind])

    def done(self) -> None:
        """Raise every problem found, unknown keys (a misspelt field) among them."""
        self._unknown(self.document, "")
        if self.problems:
            raise RequestError(self.source, self.problems)

    def _unknown(self, node: dict[str, Any], at: str) -> None:
        for key, value in node.items():
            path = f"{at}.{key}" if at else str(key)
            if path not in self._read:
                known = sorted(p.rpartition(".")[2] for p in self._read
                               if p.rpartition(".")[0] == at)
                self.fail(path, f"is not a known field (known here: {', '.join(known)})")
            elif isinstance(value, dict) and path not in self._free:
                self._unknown(value, path)


_TYPE_WORDS = {"str": "a string", "int": "an integer", "list": "a list", "dict": "a mapping",
               "bool": "true or false"}
