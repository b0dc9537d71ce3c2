"""Reading a unit file's JSON text strictly (issue 13 §2, §8): what ``json.loads`` lets through, refused.

``json.loads`` alone would, on a file a user or a script wrote:

* raise ``RecursionError`` on a thousand nested ``[`` (which no handler expects);
* raise ``ValueError`` on an integer of more than 4300 digits (Python's conversion limit);
* keep the last of two equal keys in an object, silently dropping the first;
* decode ``"\\ud800"`` into a lone surrogate, which no file can encode: writing the workbook fails later.

Each of these becomes a ``DataError`` naming the file and the line/column or the JSON path, and how to
fix it. The checks cost nothing on a normal file: duplicate keys are noticed by the object hook as the
file is parsed, and the tree is walked (to find the JSON path) only when something was noticed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import ERROR, DataError, Location, Problem

MAX_DEPTH = 100  # a unit file nests five levels deep; anything near Python's recursion limit is refused
MAX_DIGITS = 50  # an integer longer than this is no year, amount or percentage
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD]")
# What can put a control character model.py refuses into a parsed string (raw ones are invalid JSON):
# the escapes \b, \f, \u0000–\u001f, \ufffe, \uffff (a superset: \\b, an escaped backslash, matches too).
_CONTROL_ESCAPE = re.compile(r"\\(?:[bf]|u00[01]|u[fF]{3}[eEfF])")
_HINTS = {
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting property name enclosed in double quotes": "键名应使用英文双引号，或多了一个逗号",
    "Expecting value": "缺少值，或多了一个逗号",
    "Unterminated string starting at": "字符串缺少结尾的双引号",
    "Extra data": "JSON 结束后还有多余内容",
    "Invalid control character at": "字符串中有换行等控制字符，请写成 \\n",
    "Invalid \\escape": "反斜杠 \\ 后的转义无效，文本中的反斜杠请写成 \\\\",
    "Invalid \\uXXXX escape": "\\u 后应为 4 位十六进制数",
}


class _Duplicates(dict):  # type: ignore[type-arg]
    """An object with a key given twice; ``keys_twice`` names them in file order."""

    keys_twice: list[str]


class _LongInteger(str):
    """An integer literal too long to be converted; kept as its text until it is located."""


class _Flags:
    """The parser's hooks; they note what needs locating, so that a normal file is never walked."""

    def __init__(self) -> None:
        self.long = self.duplicates = False

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        self.duplicates = True
        seen: set[str] = set()
        twice = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
        dup = _Duplicates(obj)
        dup.keys_twice = list(dict.fromkeys(twice))
        return dup

    def parse_int(self, text: str) -> int | str:
        if len(text.lstrip("-")) > MAX_DIGITS:
            self.long = True
            return _LongInteger(text)
        return int(text)


def loads(raw: bytes | str, source: str) -> Any:
    """The JSON value of a unit file's bytes; raises DataError naming ``source`` and where."""
    text = decode(raw, source) if isinstance(raw, bytes) else raw
    flags = _Flags()
    decoder = json.JSONDecoder(object_pairs_hook=flags.pairs, parse_int=flags.parse_int)
    try:
        data, end = decoder.raw_decode(text, _skip_space(text, 0))
        if _skip_space(text, end) != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"第 {exc.lineno} 行第 {exc.colno} 列不是合法的 JSON（{_hint(exc.msg)}）", Location(source)
        ) from None
    except RecursionError:
        line, col = _too_deep(text)
        raise DataError(
            f"第 {line} 行第 {col} 列：JSON 嵌套超过 {MAX_DEPTH} 层（单位数据只有几层），文件可能已损坏或不是单位数据",
            Location(source),
        ) from None
    if flags.long or flags.duplicates or _surrogate_escapes(text):
        problems = list(_walk(data, "", 0))
        if problems:
            raise DataError(
                Problem(ERROR, DataError.code, message, Location(source, path or "（根）"))
                for path, message in problems[:20]
            )
    return data


def _surrogate_escapes(text: str) -> bool:
    """Whether ``text`` holds a ``\\ud…``/``\\uD…`` escape (a surrogate, perhaps lone): then the tree is walked.
    A one-character search first (memchr-fast: most files hold no backslash at all), then one regex
    scan, rather than the three scans for two-character substrings it replaced."""
    return "\\" in text and _SURROGATE_ESCAPE.search(text) is not None


def control_free(text: str) -> bool:
    """True when no string parsed from the JSON ``text`` can hold a control character (nor U+FFFE/U+FFFF):
    the model then need not look for one in every text (model._validated)."""
    if "\ufffe" in text or "\uffff" in text:
        return False
    return "\\" not in text or _CONTROL_ESCAPE.search(text) is None


def decode(raw: bytes, source: str) -> str:
    """UTF-8 text (with or without BOM; UTF-16/32 with a BOM, as Windows Notepad saves it), strictly."""
    try:
        encoding = json.detect_encoding(raw)
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise DataError("文件不是 UTF-8 编码的文本，请用 UTF-8 另存后重试", Location(source)) from None


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n\r":
        pos += 1
    return pos


def _hint(msg: str) -> str:
    return _HINTS.get(msg, msg)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _walk(node: Any, path: str, depth: int):  # -> Iterator[tuple[str, str]]
    if depth > MAX_DEPTH:
        yield path, f"嵌套超过 {MAX_DEPTH} 层（单位数据只有几层）"
        return
    if isinstance(node, dict):
        for key in getattr(node, "keys_twice", ()):
            yield _join(path, printable(key)), f"键“{printable(key)}”出现了不止一次（只有最后一个会生效），请删除多余的"
        for key, value in node.items():
            sub = _join(path, printable(key))
            if _SURROGATE.search(key):
                yield sub, "键名中含有无效的 \\u 转义（单独的代理项，如 \\ud800），请改正"
            yield from _walk(value, sub, depth + 1)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]", depth + 1)
    elif isinstance(node, _LongInteger):
        yield path, f"数字有 {len(node.lstrip('-'))} 位，不是有效的取值，请改正"
    elif isinstance(node, str) and _SURROGATE.search(node):
        yield path, "文本中含有无效的 \\u 转义（单独的代理项，如 \\ud800，无法保存到任何文件），请删除或改正"


def printable(text: str) -> str:
    """``text`` with lone surrogates shown as ``\\udxxx``, so that a message about them can be printed."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _too_deep(text: str) -> tuple[int, int]:
    """Line and column (1-based) where the nesting first goes deeper than MAX_DEPTH."""
    depth, in_string, escaped, line, col = 0, False, False, 1, 0
    for ch in text:
        col += 1
        if ch == "\n":
            line, col = line + 1, 0
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line, col
        elif ch in "]}":
            depth -= 1
    return line, max(col, 1)
