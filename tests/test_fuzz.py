"""Property-based fuzzing of every command (issue 13): whatever the input, no crash, no traceback, no
internal error, exit 0 or 1, and every error line names the file it is about.

Inputs are mutations of good ones: unit JSON (values replaced by arbitrary JSON, keys added, removed or
given twice, the text itself cut, spliced and garbled) and generated workbooks (cells moved anywhere and
written in any XML syntax, parts garbled, dropped, renamed or duplicated, the zip itself cut or flipped).
A workbook is read in a forked child process: if a library aborted the process (as calamine did on a far
cell), the child's death is reported as the failure, with the example, instead of ending the test run.

The suite runs a few hundred examples in total. ``XLSGEN_FUZZ=long`` runs twenty times as many (and
``XLSGEN_FUZZ=<n>`` n times as many), for a long local run::

    XLSGEN_FUZZ=long python -m pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import select
import signal
import sys
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from xlsgen.cli import main

from .conftest import filled_unit
from .xlsx_edit import workbook

_SCALE = os.environ.get("XLSGEN_FUZZ", "")
SCALE = 20 if _SCALE == "long" else int(_SCALE) if _SCALE.isdigit() else 1


def fuzz(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
        derandomize=SCALE == 1,  # the suite is reproducible; a long run explores new ground each time
        database=None if SCALE == 1 else settings.default.database,
    )


GOOD_UNIT = filled_unit()
GOOD_JSON = GOOD_UNIT.to_json()
GOOD_XLSX = workbook(GOOD_UNIT)
# A second good unit, with a code no mutation of the first keeps: never a duplicate of it.
OTHER_JSON = GOOD_UNIT.model_copy(update={"code": "ZZ0001"}).to_json()


def checked(result: Any, *names: str) -> int:
    """The exit code, after the properties every command must have on any input."""
    output = result.output
    assert result.exit_code in (0, 1), (result.exit_code, output[-2000:])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for bad in ("Traceback (most recent call last)", "内部错误", "E-BUG"):
        assert bad not in output, output[-2000:]
    for line in output.splitlines():
        if line.startswith("错误："):
            # A problem names its file (the command's summary lines are not problems).
            assert any(n in line for n in names) or "有任何失败" in line, (line, names)
    return result.exit_code


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


# ---------------------------------------------------------------- JSON values and unit files

SPECIAL_TEXT = st.sampled_from(
    ["", " ", "\ud800", "\udfff", "=1+1", "\x00", "\x1f", "\ufffe", "长" * 40_000, "😀" * 16_384, "\u202e", "null"]
)
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    SPECIAL_TEXT,
    st.sampled_from([2025, 2099, 1999, 0, -1, 2**63, "2025", "2025.0", 2025.5, "1e3", 1e400]),
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            found += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _paths(v, (*path, i))
    return found


GOOD_DATA = json.loads(GOOD_JSON)
GOOD_PATHS = _paths(GOOD_DATA)[1:]


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def _like(value: Any) -> st.SearchStrategy[Any]:
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(min_value=value - 3, max_value=value + 3)
    if isinstance(value, float):
        return st.one_of(
            st.floats(min_value=-1e6, max_value=1e6), st.decimals(places=2, min_value=-1e6, max_value=1e6).map(float)
        )
    if isinstance(value, str):
        return st.one_of(
            st.text(max_size=40), SPECIAL_TEXT, st.sampled_from(["≥95%", "=1+1", "", "2024-02-30", "2024-01-15"])
        )
    return json_value


def _set(data: Any, path: tuple[Any, ...], value: Any, delete: bool = False) -> Any:
    node = data
    for step in path[:-1]:
        node = node[step]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


@st.composite
def mutated_data(draw: Any) -> Any:
    data = json.loads(GOOD_JSON)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["replace", "replace", "delete", "add", "same type", "same type"]))
        paths = [p for p in _paths(data)[1:] if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        try:
            if kind == "replace":
                _set(data, path, draw(json_value))
            elif kind == "same type":  # often still a valid unit: the generate path is explored too
                _set(data, path, draw(_like(_get(data, path))))
            elif kind == "delete":
                _set(data, path, None, delete=True)
            else:
                parent = path[:-1]
                node = data
                for step in parent:
                    node = node[step]
                if isinstance(node, dict):
                    node[draw(st.text(max_size=10))] = draw(json_value)
                elif isinstance(node, list):
                    node.append(draw(json_value))
        except (KeyError, IndexError, TypeError):
            continue
    return data


@st.composite
def mutated_text(draw: Any) -> bytes:
    """A unit file's bytes: JSON text of mutated data, then perhaps garbled as text or as bytes."""
    text = json.dumps(draw(mutated_data()), ensure_ascii=draw(st.booleans()), indent=2, allow_nan=True)
    kind = draw(st.sampled_from(["as is", "as is", "duplicate key", "nest", "splice", "cut", "bytes", "encoding"]))
    if kind == "duplicate key":
        keys = [m.start() for m in re.finditer(r'\n\s*"[^"\n]+": ', text)]
        if keys:
            at = draw(st.sampled_from(keys))
            line_end = text.index("\n", at + 1)
            line = text[at:line_end].rstrip(",")
            text = text[:at] + line + "," + text[at:]
    elif kind == "nest":
        depth = draw(st.sampled_from([50, 101, 999, 1000, 5000]))
        at = draw(st.integers(0, len(text)))
        text = text[:at] + "[" * depth + "]" * depth * draw(st.sampled_from([0, 1])) + text[at:]
    elif kind == "splice":
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at]
            + draw(st.sampled_from(['"', "{", "}", "[", "]", ",", ":", "\\", "\\u", "\\ud800", "\n", "\x00"]))
            + text[at:]
        )
    elif kind == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    raw = text.encode("utf-8", "surrogatepass")
    if kind == "bytes":
        raw = bytearray(raw)
        for _ in range(draw(st.integers(1, 5))):
            at = draw(st.integers(0, max(len(raw) - 1, 0)))
            if raw:
                raw[at] = draw(st.integers(0, 255))
        raw = bytes(raw)
    elif kind == "encoding":
        raw = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b""])) + raw
    return raw


@fuzz(100)
@given(raw=mutated_text())
def test_unit_json_through_every_command(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    src = tmp / "单位.json"
    src.write_bytes(raw)
    good = tmp / "好.json"
    good.write_text(OTHER_JSON, encoding="utf-8")
    out = tmp / "out"
    names = (str(src), str(good), src.name)
    code = checked(invoke("validate", str(src)), *names)
    event(f"validate exit {code}")
    generated = checked(invoke("generate", str(src), str(good), "-o", str(out), "--force"), *names)
    assert (out / "ZZ0001-测试县测试局.xlsx").is_file()  # the good file is done whatever its neighbour holds
    checked(invoke("normalize", "--check", str(src)), *names)
    checked(invoke("diff", str(good), str(src)), *names)
    if code == 0:
        assert generated in (0, 1)
    assert not list(out.glob(".~*"))  # no temporary file left behind


@fuzz(10)
@given(raws=st.lists(mutated_text(), min_size=1, max_size=4))
def test_unit_json_through_bulk(tmp_path_factory: pytest.TempPathFactory, raws: list[bytes]) -> None:
    tmp = tmp_path_factory.mktemp("bulk")
    data = tmp / "data"
    data.mkdir()
    for i, raw in enumerate(raws):
        (data / f"单位{i}.json").write_bytes(raw)
    (data / "好.json").write_text(OTHER_JSON, encoding="utf-8")
    out = tmp / "out"
    result = invoke("bulk", str(data), "-o", str(out), "--jobs", "1", "--silent")
    checked(result, str(data))
    assert f"共 {len(raws) + 1} 个单位" in result.output
    assert (out / "ZZ0001-测试县测试局.xlsx").is_file()  # the good unit is done whatever the others hold
    assert not list(out.glob(".~*"))


# ---------------------------------------------------------------- workbooks


PARTS = {
    i.filename: zipfile.ZipFile(io.BytesIO(GOOD_XLSX)).read(i)
    for i in zipfile.ZipFile(io.BytesIO(GOOD_XLSX)).infolist()
}
XML_PARTS = sorted(PARTS)
REFS = st.one_of(
    st.sampled_from(
        ["A1", "XFD1048576", "xfd1048576", "A1048576", "ZZZ1", "XFD1", "A0", "1A", "", "AAAA1", "A99999999"]
    ),
    st.builds(lambda c, r: f"{c}{r}", st.text("ABCXYZxz", min_size=1, max_size=3), st.integers(1, 2_000_000)),
)


def _zip(parts: dict[str, bytes], order: list[str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in order or list(parts):
            zf.writestr(name, parts[name])
    return buf.getvalue()


@st.composite
def xml_mutation(draw: Any, body: bytes) -> bytes:
    kind = draw(
        st.sampled_from(
            ["ref", "ref", "quotes", "spaces", "prefix", "no r", "row r", "insert", "flip", "cut", "count", "utf16"]
        )
    )
    refs = [m.start(1) for m in re.finditer(rb' r="([^"]*)"', body)]
    if kind == "ref" and refs:
        at = draw(st.sampled_from(refs))
        end = body.index(b'"', at)
        return body[:at] + draw(REFS).encode() + body[end:]
    if kind == "quotes":
        return re.sub(rb'( [a-zA-Z:]+)="([^"]*)"', rb"\1='\2'", body, count=draw(st.integers(1, 50)))
    if kind == "spaces":
        return body.replace(b' r="', b' r = "', draw(st.integers(1, 50)))
    if kind == "prefix":
        return body.replace(b"<c ", b'<x:c xmlns:x="urn:x" ', 1).replace(b"</c>", b"</x:c>", 1)
    if kind == "no r" and refs:
        return re.sub(rb'<c r="[^"]*"', b"<c", body, count=draw(st.integers(1, 400)))
    if kind == "row r":
        value = draw(st.sampled_from([b"0", b"1048576", b"4000000000", b"-1", b"x", b"99999999999999999999"]))
        return re.sub(rb'<row r="\d+"', b'<row r="' + value + b'"', body, count=1)
    if kind == "insert":
        at = draw(st.integers(0, len(body)))
        piece = draw(
            st.sampled_from(
                [
                    b"<c/>" * 20_000,
                    b'<c r="XFD1048576"><v>1</v></c>',
                    b"<row r='1048576'><c><v>1</v></c></row>",
                    b"<!-- -->",
                    b"<![CDATA[x]]>",
                    b"&lol;",
                    b"<",
                    b">",
                    b'"',
                    b"<?pi x?>",
                    b"\x00",
                    b"\xff",
                ]
            )
        )
        return body[:at] + piece + body[at:]
    if kind == "flip" and body:
        raw = bytearray(body)
        for _ in range(draw(st.integers(1, 8))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        return bytes(raw)
    if kind == "cut":
        return body[: draw(st.integers(0, len(body)))]
    if kind == "count":
        value = draw(st.sampled_from([b"4000000000", b"-1", b"x", b"0", b"1000001", b"18446744073709551616"]))
        return re.sub(rb'(uniqueCount|count)="\d+"', rb'\1="' + value + b'"', body, count=2)
    if kind == "utf16":
        return body.decode("utf-8", "replace").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    return body


@st.composite
def mutated_workbook(draw: Any) -> bytes:
    parts = dict(PARTS)
    order = list(parts)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["xml", "xml", "xml", "drop", "rename", "duplicate", "zip bytes", "zip cut"]))
        name = draw(st.sampled_from(sorted(parts)))
        if kind == "xml":
            parts[name] = draw(xml_mutation(parts[name]))
        elif kind == "drop" and len(parts) > 1:
            del parts[name]
            order = [n for n in order if n != name]
        elif kind == "rename":
            new = draw(
                st.sampled_from(["xl/worksheets/sheet1.bin", name.upper(), name + "x", "/" + name, "../" + name])
            )
            if new not in parts:
                parts[new] = parts.pop(name)
                order = [new if n == name else n for n in order]
        elif kind == "duplicate":
            order.append(name)
        else:
            data = _zip_dup(parts, order)
            if kind == "zip cut":
                return data[: draw(st.integers(0, len(data)))]
            raw = bytearray(data)
            for _ in range(draw(st.integers(1, 6))):
                raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
            return bytes(raw)
    return _zip_dup(parts, order)


def _zip_dup(parts: dict[str, bytes], order: list[str]) -> bytes:
    import warnings

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name is one of the mutations
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in order:
                zf.writestr(name, parts[name])
    return buf.getvalue()


def in_child(fn: Callable[[], Any], timeout: float = 120.0) -> Any:
    """``fn()`` run in a forked child; its death by a signal or a hang fails the test instead of the run."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        try:
            payload = pickle.dumps(("ok", fn()))
        except BaseException as exc:  # report the failure itself; the parent asserts on it
            payload = pickle.dumps(("error", repr(exc)))
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb") as inp:
        while True:
            ready, _, _ = select.select([inp], [], [], timeout)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail(f"the command hung for more than {timeout} s")
            chunk = os.read(inp.fileno(), 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        pytest.fail(f"the process died of signal {os.WTERMSIG(status)} (a library aborted)")
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "error":
        pytest.fail(value)
    return value


needs_fork = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="forks a child per example")


@needs_fork
@fuzz(120)
@given(data=mutated_workbook())
def test_workbook_through_every_command(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    tmp = tmp_path_factory.mktemp("xlsx")
    src = tmp / "收回.xlsx"
    src.write_bytes(data)
    good = tmp / "好.json"
    good.write_text(GOOD_JSON, encoding="utf-8")
    out = tmp / "json"
    names = (str(src), src.name, str(good))

    def commands() -> list[int]:
        codes = [checked(invoke("import", str(src), "-o", str(out)), *names)]
        codes.append(checked(invoke("validate", str(src)), *names))
        codes.append(checked(invoke("diff", str(good), str(src)), *names))
        imported = out / "收回.json"
        if imported.is_file():  # what import wrote, generate takes back
            codes.append(checked(invoke("generate", str(imported), "-o", str(tmp / "again"), "--force"), str(imported)))
        return codes

    codes = in_child(commands)
    event(f"import exit {codes[0]}")
    assert (codes[0] == 0) == (out / "收回.json").is_file()  # a refused workbook writes nothing
    assert not list(tmp.rglob(".~*"))
