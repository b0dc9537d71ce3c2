"""Planning a bulk run reads a unit's code and name from the file's first keys (issue 15 §1): the
jobs, clashes and outcomes are exactly those of parsing every file in full, which the tests compute by
switching the quick reading off."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from xlsgen import bulk, demo, pipeline
from xlsgen.model import new_unit

DATA = Path(__file__).resolve().parent.parent / "data"


def _texts() -> list[bytes]:
    texts = [p.read_bytes() for p in sorted(DATA.glob("*.json"))]
    texts += [u.to_json().encode() for _, u in demo.county_units(20, seed=3)]
    return texts


def test_quick_identity_is_the_full_one_for_files_as_xlsgen_writes_them() -> None:
    texts = _texts()
    assert all(pipeline.quick_identity(t) is not None for t in texts)
    assert [pipeline.quick_identity(t) for t in texts] == [pipeline.identity(t) for t in texts]


@pytest.mark.parametrize(
    "text",
    [
        b'{"name": "x", "code": "1"}',  # another order
        b'{"code": 450001, "name": "x"}',  # a number
        b'{"code": "4\\u0035", "name": "x"}',  # an escape
        b'{"code": "  ", "name": "x"}',  # blank
        b'\xef\xbb\xbf{"code": "1", "name": "x"}',  # a BOM
        b'{"code": "\xff", "name": "x"}',  # not UTF-8
    ],
)
def test_anything_else_is_left_to_the_full_parse(text: bytes) -> None:
    assert pipeline.quick_identity(text) is None


def _unit(code: str, name: str) -> str:
    return new_unit(code, name, 2025).to_json()


def _folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    files = {
        "a.json": _unit("450001", "甲局"),
        "b.json": _unit("450001", "乙局"),  # the same code as a
        "c.json": _unit("450002", "丙局"),
        "d.json": _unit("450002", "丙局").replace('"year": 2025', '"year": 2025, "year": 2025'),  # broken twin of c
        "e.json": _unit("450003", "Ding"),
        "f.json": _unit("450004", "丁局")[:-40],  # not JSON at all, alone
        "g.json": json.dumps({"name": "ding", "code": "450003"}),  # e's file name up to case, keys in another order
        "h.json": _unit("450005", "戊局").replace('"name": "戊局"', '"name": "戊局", "code": "450006"'),  # code twice
        "i.json": _unit("450006", "己局"),
    }
    for name, text in files.items():
        (data / name).write_text(text, "utf-8")
    return data


def test_plan_is_the_same_as_with_every_file_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = _folder(tmp_path), tmp_path / "out"
    quick = bulk.plan(data, out)
    monkeypatch.setattr(bulk, "quick_identity", lambda raw: None)
    full = bulk.plan(data, out)
    # The same jobs; a file that does not load may carry the code its first keys name (its outcome,
    # below, names nobody, as before).
    loads = {j.source for j in full if pipeline.identity(Path(j.path).read_bytes())}
    assert [replace(j, verify_identity=False) for j in quick if j.source in loads] == [
        j for j in full if j.source in loads
    ]
    assert [replace(j, verify_identity=False, code="", name="") for j in quick if j.source not in loads] == [
        j for j in full if j.source not in loads
    ]
    blocked = {Path(j.path).name for j in full if j.blocked}
    assert blocked == {"a.json", "b.json", "e.json", "g.json"}  # c's broken twin and h's void claim block nothing


def test_outcomes_are_the_same_as_with_every_file_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _folder(tmp_path)

    def outcomes(out: Path) -> list[tuple[str, str, str, str, list[str]]]:
        report = bulk.run(data, out, jobs=1, summary=False)
        return sorted((o.source, o.code, o.name, o.status, [p.message for p in o.issues]) for o in report.outcomes)

    quick = outcomes(tmp_path / "quick")
    monkeypatch.setattr(bulk, "quick_identity", lambda raw: None)
    assert quick == outcomes(tmp_path / "full")
    by_source = {o[0]: o for o in quick}
    assert by_source["f.json"][1:3] == ("", "")  # not JSON: nobody, though its first keys name one
    assert by_source["h.json"][1:3] == ("", "")  # a key twice: nobody
