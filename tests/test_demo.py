"""The county-sized example generator: valid, varied, deterministic units."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlsgen import forms
from xlsgen.cli import main
from xlsgen.demo import catalogue, cn_number, county_units, write_county
from xlsgen.model import load_unit, parse_value

N = 40


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_county(N, tmp_path_factory.mktemp("county"), seed=7)


def _money(x: float | str | None) -> Decimal:
    return Decimal(str(x or 0)).quantize(Decimal("0.01"))


def test_every_unit_loads_with_distinct_codes_and_names(county: list[Path]) -> None:
    assert len(county) == N
    units = [load_unit(p) for p in county]
    assert len({u.code for u in units}) == N
    assert len({u.name for u in units}) == N
    assert len({u.parent for u in units}) > 5  # several departments, not one
    # Written one folder per department, so bulk's recursive search is exercised.
    assert len({p.parent.name for p in county}) > 5


def test_units_pass_validation_without_errors(county: list[Path]) -> None:
    validate = pytest.importorskip("xlsgen.validate")
    for path in county:
        errors = [p for p in validate.check(load_unit(path), source=str(path)) if p.level == "错误"]
        assert not errors, f"{path}: {errors[:3]}"


def _skeleton_matches(rows: list[dict], table: str) -> None:
    """Every pre-printed row in order; every ★ group with 1–3 own rows and a named 三级指标."""
    pos = 0
    for l1, l2, l3s in forms.SKELETON:
        group = []
        while pos < len(rows) and (rows[pos]["level1"], rows[pos]["level2"]) == (l1, l2):
            group.append(rows[pos])
            pos += 1
        if l3s:
            assert [r["level3"] for r in group] == list(l3s), (table, l1, l2)
        else:
            assert 1 <= len(group) <= 3, (table, l1, l2, len(group))
            assert all(r["level3"] for r in group)
        for r in group:
            assert r["value"] and r["basis"] in forms.BASIS and r["kind"] in forms.KIND
            if table == "annual":
                assert r["prev2"] and r["prev1"]
    assert pos == len(rows), f"{table}: rows after the skeleton"


def test_content_is_complete_and_adds_up(county: list[Path]) -> None:
    for path in county:
        d = json.loads(path.read_text("utf-8"))
        _skeleton_matches(d["long_term"]["indicators"], "long_term")
        _skeleton_matches(d["annual"]["indicators"], "annual")
        assert [r["level3"] for r in d["long_term"]["indicators"]] == [r["level3"] for r in d["annual"]["indicators"]]
        assert d["long_term"]["deadline"] >= d["year"]

        f = d["funding"]
        for year in ("current", "prev2", "prev1"):
            income = sum(_money(f["income"][k][year]) for k in ("fiscal", "special", "own"))
            expense = sum(_money(f["expense"][k][year]) for k in ("personnel", "operating", "targeted"))
            assert income == expense, (path, year)
        projects = d["projects"]
        assert 1 <= len(projects) <= 30
        targeted = sum(_money(p["budget"]) for p in projects if p["category"] == "特定目标类项目支出")
        assert _money(f["expense"]["targeted"]["current"]) == targeted
        for p in projects:
            assert p["category"] in forms.CATEGORY
            assert len(p["code"]) == 21
            assert _money(p["fiscal"]) + _money(p["other"]) == _money(p["budget"])
            plan = [p["plan"][k] for k in ("mar", "jun", "oct", "dec")]
            assert plan == sorted(plan) and plan[-1] == 100
            levels = [(i["level1"], i["level2"]) for i in p["indicators"]]
            tree = [(a, b) for a, bs in forms.PROJECT_TREES["common"] for b in bs]
            assert [tree.index(x) for x in levels] == sorted(tree.index(x) for x in levels)
            for i in p["indicators"]:
                if i["level2"] == "成本指标":
                    v = parse_value(i["value"])
                    assert v.unit == "万元" and v.number is not None and v.number <= _money(p["budget"])


def test_units_are_varied(county: list[Path]) -> None:
    data = [json.loads(p.read_text("utf-8")) for p in county]
    counts = {len(d["projects"]) for d in data}
    assert len(counts) >= 6 and min(counts) <= 3 and max(counts) >= 15
    goals = [len(d["long_term"]["goal"]) for d in data]
    assert min(goals) < 40 and max(goals) > 80
    own = {len(d["annual"]["indicators"]) for d in data}
    assert len(own) >= 3  # ★ groups of different sizes
    has_cost = [any(i["level2"] == "成本指标" for i in p["indicators"]) for d in data for p in d["projects"]]
    assert any(has_cost) and not all(has_cost)  # some projects state a cost, some do not


def test_deterministic_from_seed_and_independent_of_n(tmp_path: Path) -> None:
    a = write_county(6, tmp_path / "a", seed=3)
    b = write_county(6, tmp_path / "b", seed=3)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    c = write_county(6, tmp_path / "c", seed=4)
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]
    # Unit i depends on (seed, i) only: a larger county starts with the same units.
    small = [u.to_json() for _, u in county_units(5, seed=3)]
    large = [u.to_json() for _, u in county_units(12, seed=3)]
    assert large[:5] == small


def test_a_large_county_keeps_codes_and_names_distinct() -> None:
    _, slots = catalogue(1)
    taken = [next(slots) for _ in range(3000)]  # past the bureaus and towns, into numbered schools
    assert len({s.code for s in taken}) == 3000
    assert len({s.name for s in taken}) == 3000


def test_cn_number() -> None:
    assert [cn_number(n) for n in (1, 10, 12, 20, 105, 110, 1001)] == [
        "一",
        "十",
        "十二",
        "二十",
        "一百零五",
        "一百一十",
        "一千零一",
    ]


def test_cli_demo_county(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo-county", "3", "-o", str(tmp_path / "d"), "--seed", "5"])
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "d").rglob("*.json"))
    assert len(files) == 3
    assert all(load_unit(f).year == 2025 for f in files)
