"""TOML text for policies: the line a field is written on, and data written back as TOML.

`field_lines` reads a TOML document (already known to be valid, e.g. accepted by `tomllib`)
and answers, for every key and every array element, the line it starts on, under the path a
validator names it by: `("severities", 0, "target", "hours")` for the `hours` of the first
`[[severities]]` table's inline `target`. `line_of` answers the line of a path, or of its
nearest ancestor that is written in the text (a field left out has no line of its own).

`to_toml` writes plain data (dicts, lists, strings, numbers, booleans) as a TOML document that
`tomllib` reads back as the same data: tables for dicts, `[[name]]` for lists of tables directly
in a table, inline values inside them.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

Path = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_TOML_LINE = re.compile(r"at line (\d+)")


class _Scanner:
    """A small reader of valid TOML that records where each key and array element starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.lines: dict[Path, int] = {}
        self.counts: dict[Path, int] = {}  # arrays of tables: how many seen so far

    def line(self) -> int:
        return bisect.bisect_right(self.starts, self.i)

    def peek(self, n: int = 1) -> str:
        return self.text[self.i : self.i + n]

    def record(self, path: Path) -> None:
        self.lines.setdefault(path, self.line())

    def skip_blank(self, newlines: bool) -> None:
        while self.i < len(self.text):
            char = self.text[self.i]
            if char in " \t\r" or (newlines and char == "\n"):
                self.i += 1
            elif char == "#":
                end = self.text.find("\n", self.i)
                self.i = len(self.text) if end < 0 else end
            else:
                return

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_blank(False)
            char = self.peek()
            if char in ('"', "'"):
                start = self.i
                self.string()
                raw = self.text[start : self.i]
                parts.append(json.loads(raw) if char == '"' else raw[1:-1])
            else:
                match = _BARE.match(self.text, self.i)
                if match is None:
                    raise ValueError("not a key")
                parts.append(match.group())
                self.i = match.end()
            self.skip_blank(False)
            if self.peek() != ".":
                return parts
            self.i += 1

    def string(self) -> None:
        quote = self.peek()
        if self.peek(3) == quote * 3:
            end = self.i + 3
            while True:
                end = self.text.index(quote * 3, end)
                if quote == "'" or not _escaped(self.text, end):
                    break
                end += 1
            self.i = end + 3
            while self.peek() == quote:  # up to two quotes may close the content
                self.i += 1
            return
        end = self.i + 1
        while True:
            end = self.text.index(quote, end)
            if quote == "'" or not _escaped(self.text, end):
                break
            end += 1
        self.i = end + 1

    def value(self, path: Path) -> None:
        char = self.peek()
        if char == "[":
            self.i += 1
            index = 0
            while True:
                self.skip_blank(True)
                if self.peek() == "]":
                    self.i += 1
                    return
                self.record((*path, index))
                self.value((*path, index))
                self.skip_blank(True)
                if self.peek() == ",":
                    self.i += 1
                    index += 1
        elif char == "{":
            self.i += 1
            while True:
                self.skip_blank(True)
                if self.peek() == "}":
                    self.i += 1
                    return
                if self.peek() == ",":
                    self.i += 1
                    continue
                self.pair(path)
        elif char in ('"', "'"):
            self.string()
        else:
            match = re.compile(r"[^,\]}\s#]+").match(self.text, self.i)
            if match is None:
                raise ValueError("not a value")
            self.i = match.end()

    def pair(self, table: Path) -> None:
        parts = self.key()
        for depth in range(1, len(parts) + 1):
            self.record((*table, *parts[:depth]))
        self.skip_blank(False)
        if self.peek() != "=":
            raise ValueError("expected =")
        self.i += 1
        self.skip_blank(False)
        self.value((*table, *parts))

    def resolve(self, names: Sequence[str]) -> Path:
        """A header's path, with the index of each array of tables it passes through."""
        path: Path = ()
        for name in names:
            path = (*path, name)
            if path in self.counts:
                path = (*path, self.counts[path] - 1)
        return path

    def document(self) -> dict[Path, int]:
        table: Path = ()
        while True:
            self.skip_blank(True)
            if self.i >= len(self.text):
                return self.lines
            if self.peek(2) == "[[":
                self.i += 2
                names = self.key()
                array = (*self.resolve(names[:-1]), names[-1])
                self.record(array)
                self.counts[array] = self.counts.get(array, 0) + 1
                table = (*array, self.counts[array] - 1)
                self.record(table)
                self.i = self.text.index("]]", self.i) + 2
            elif self.peek() == "[":
                self.i += 1
                names = self.key()
                table = self.resolve(names)
                for depth in range(1, len(table) + 1):
                    self.record(table[:depth])
                self.i = self.text.index("]", self.i) + 1
            else:
                self.pair(table)


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def field_lines(text: str) -> dict[Path, int]:
    """The line (from 1) each key and array element of the TOML `text` starts on. Text that
    is not valid TOML gives the lines read before the point where reading stopped."""
    scanner = _Scanner(text)
    try:
        return scanner.document()
    except (ValueError, IndexError):
        return scanner.lines


def line_of(text: str, path: Sequence[str | int]) -> int | None:
    """The line of `path` in the TOML `text`, or of its nearest ancestor written there; None
    when not even its first part is."""
    lines = field_lines(text)
    wanted: Path = tuple(path)
    while wanted:
        if wanted in lines:
            return lines[wanted]
        wanted = wanted[:-1]
    return None


def toml_error_line(message: str) -> int | None:
    """The line `tomllib.TOMLDecodeError`'s message names ("... (at line 3, column 5)")."""
    match = _TOML_LINE.search(message)
    return int(match.group(1)) if match else None


# --- writing ------------------------------------------------------------------------------


def _key(name: str) -> str:
    return name if _BARE.fullmatch(name) else json.dumps(name, ensure_ascii=False)


def _inline(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = [
            f"{_key(str(k))} = {_inline(v, f'{where}.{k}')}"
            for k, v in value.items()
            if v is not None
        ]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline(v, f"{where}[]") for v in value) + "]"
    raise ValueError(f"{where}: {type(value).__name__} cannot be written as TOML")


def _is_tables(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(item, Mapping) for item in value)
    )


def _table(lines: list[str], data: Mapping[str, Any], path: list[str]) -> None:
    later: list[tuple[str, Any]] = []
    for name, value in data.items():
        if value is None:
            continue  # TOML has no null: an absent key is the default
        if isinstance(value, Mapping) or _is_tables(value):
            later.append((name, value))
        else:
            lines.append(f"{_key(name)} = {_inline(value, '.'.join([*path, name]))}")
    for name, value in later:
        header = ".".join(_key(part) for part in [*path, name])
        if isinstance(value, Mapping):
            lines.extend(["", f"[{header}]"])
            _table(lines, value, [*path, name])
        else:
            for item in value:
                lines.extend(["", f"[[{header}]]"])
                _table(lines, item, [*path, name])


def to_toml(data: Mapping[str, Any]) -> str:
    """`data` as a TOML document (`tomllib.loads(to_toml(data)) == data`, None values left
    out)."""
    lines: list[str] = []
    _table(lines, data, [])
    return "\n".join(lines).strip("\n") + "\n"
