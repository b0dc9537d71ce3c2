"""A county-sized example: N realistic, varied and valid unit files, deterministic from a seed.

``data/`` stays small; bulk tests and benchmarks need hundreds of units that look like a real county's
(bureaus and their subordinate centres, township offices, schools), with every pre-printed skeleton row
filled, 1–30 projects, long and short texts, and funding blocks that add up. Unit ``i`` depends only on
(seed, i, year), so ``demo-county 300`` and ``demo-county 1000`` share their first 300 units' content
apart from which catalogue entry each one gets.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from . import demo_families_1, demo_families_2, forms
from .demo_vocab import (
    ADMIN_FUNCTIONS,
    ADMIN_TASKS,
    BASIS_OWN,
    COUNTIES,
    FIXED_VALUES,
    GIVEN,
    GOAL_FILLERS,
    SURNAMES,
    TOWNS,
    Family,
    Output,
)
from .model import (
    Annual,
    AnnualIndicator,
    Expense,
    Funding,
    Income,
    LongIndicator,
    LongTerm,
    OverallGoals,
    Project,
    ProjectIndicator,
    SpendPlan,
    Unit,
    YearAmounts,
)

FAMILIES = demo_families_1.FAMILIES + demo_families_2.FAMILIES  # in this order: it fixes every unit code
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# ---------------------------------------------------------------- the catalogue of units


@dataclass(frozen=True)
class Slot:
    """One unit of the county: its family, code and name."""

    family: Family
    code: str
    name: str
    head: bool


_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1..9999 as Chinese numerals: 12 → 十二, 105 → 一百零五 (school names print them this way)."""
    if not 0 < n < 10000:
        return str(n)
    units = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))
    out, zero = "", False
    for size, name in units:
        digit, n = divmod(n, size)
        if digit:
            if zero:
                out += "零"
            out += ("" if (size == 10 and digit == 1 and not out) else _CN_DIGITS[digit]) + name
            zero = False
        elif out:
            zero = True
    return out


def catalogue(seed: int) -> tuple[str, Iterator[Slot]]:
    """The county's name and an endless stream of distinct units: bureaus first, then their centres,
    township offices and town branches, then numbered schools (a county has hundreds)."""
    rng = random.Random(f"county-{seed}")
    county = rng.choice(COUNTIES)

    def stream() -> Iterator[Slot]:
        seq: dict[str, int] = {}

        def slot(fam: Family, name: str, head: bool = False) -> Slot:
            seq[fam.key] = seq.get(fam.key, 0) + 1
            width = 3 if seq[fam.key] < 1000 else 4
            return Slot(fam, f"{fam.dept}{seq[fam.key]:0{width}d}", name, head)

        heads = [f for f in FAMILIES if f.subs]
        rng.shuffle(heads)
        for fam in heads:
            yield slot(fam, f"{county}{fam.bureau}", head=True)
        subs = [(fam, s) for fam in FAMILIES for s in fam.subs]
        rng.shuffle(subs)
        for fam, sub in subs:
            yield slot(fam, f"{county}{sub}")
        towns = [(fam, town, suffix) for fam in FAMILIES for suffix in fam.town_subs for town in TOWNS]
        rng.shuffle(towns)
        for fam, town, suffix in towns:
            yield slot(fam, f"{county}{town}{suffix}")
        edu = next(f for f in FAMILIES if f.key == "education")
        n = 0
        while True:
            n += 1
            for kind in ("小学", "中学"):
                yield slot(edu, f"{county}第{cn_number(n)}{kind}")

    return county, stream()


# ---------------------------------------------------------------- one unit


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _amount(rng: random.Random, low: float, high: float) -> Decimal:
    # Log-uniform: most budgets are small, a few are large, as in a real county.
    import math

    return _money(math.exp(rng.uniform(math.log(low), math.log(high))))


def _fmt_number(value: Decimal) -> str:
    text = f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _value(out: Output, n: float) -> str:
    return f"{out.cmp}{round(n)}{out.unit}"


def _output_values(rng: random.Random, out: Output) -> tuple[str, str, str, str]:
    """(prev2, prev1, current, long-term) values of a measurable indicator, trending the right way."""
    base = rng.uniform(out.low, out.high)
    step = max((out.high - out.low) * 0.05, 0.0 if out.unit == "%" else 1.0)
    if out.cmp == "≤":
        seq = [base + 2 * step, base + step, base, base - step]
    elif out.cmp == "=":
        seq = [base] * 4
    else:
        seq = [base - 2 * step, base - step, base, base + step]
    if out.unit == "%":
        seq = [min(max(v, 0), 100) for v in seq]
    return tuple(_value(out, v) for v in seq)  # type: ignore[return-value]


def _sentences(rng: random.Random, items: tuple[str, ...], low: int, high: int) -> list[str]:
    k = min(len(items), rng.randint(low, high))
    return [s + "；" if i < k - 1 else s + "。" for i, s in enumerate(rng.sample(items, k))]


def _long_text(rng: random.Random, core: list[str]) -> str:
    # Some units write one short sentence, others a paragraph of several hundred characters.
    if rng.random() < 0.3:
        return core[0].rstrip("；。") + "。"
    lead = "".join(rng.sample(GOAL_FILLERS, rng.randint(1, 3)))
    return lead + "".join(c.rstrip("；。") + "，" for c in core[:-1]) + core[-1].rstrip("；。") + "。"


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"0{rng.randint(310, 799)}-{rng.randint(2, 8)}{rng.randint(0, 999999):06d}"
    return f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"


def _own_rows(rng: random.Random, fam: Family) -> dict[tuple[str, str], list[tuple[str, tuple[str, str, str, str]]]]:
    """The ★ groups' own rows: (一级, 二级) → [(三级指标, (prev2, prev1, current, long-term))], 1–3 each."""
    outputs = list(fam.outputs)
    rng.shuffle(outputs)
    cut = rng.randint(1, min(3, len(outputs) - 1))
    core = (outputs[:cut], outputs[cut : cut + rng.randint(1, 3)] or outputs[:1])
    rows: dict[tuple[str, str], list[tuple[str, tuple[str, str, str, str]]]] = {}
    for i, outs in enumerate(core, 1):
        rows[("履职效能", f"核心业务产出 {i}")] = [(o.name, _output_values(rng, o)) for o in outs]

    def phrases(pool: tuple[tuple[str, str], ...]) -> list[tuple[str, tuple[str, str, str, str]]]:
        picked = rng.sample(pool, rng.randint(1, min(3, len(pool))))
        return [(name, (value, value, value, value)) for name, value in picked]

    rows[("社会效应", "经济效益")] = phrases(fam.economic)
    rows[("社会效应", "社会效益")] = phrases(fam.social)
    rows[("社会效应", "生态效益")] = phrases(fam.ecological)
    served = rng.randint(85, 95)
    rows[("满意度", "服务对象满意度")] = [
        (f"{fam.audience}满意度", (f"≥{served - 2}%", f"≥{served - 1}%", f"≥{served}%", f"≥{served}%"))
    ]
    contact = [("上级主管部门满意度", rng.randint(85, 95))]
    if rng.random() < 0.4:
        contact.append(("县直相关部门满意度", rng.randint(85, 95)))
    rows[("满意度", "联系部门满意度")] = [
        (name, (f"≥{v - 2}%", f"≥{v - 1}%", f"≥{v}%", f"≥{v}%")) for name, v in contact
    ]
    return rows


def _indicators(rng: random.Random, fam: Family) -> tuple[list[LongIndicator], list[AnnualIndicator]]:
    own = _own_rows(rng, fam)
    long_rows: list[LongIndicator] = []
    annual_rows: list[AnnualIndicator] = []
    for l1, l2, l3s in forms.SKELETON:
        if l3s:
            rows = []
            for l3 in l3s:
                options, basis = FIXED_VALUES[l3]
                vals = [rng.choice(options) for _ in range(3)]
                rows.append((l3, (vals[0], vals[1], vals[2], rng.choice(options)), basis, forms.KIND[0]))
        else:
            rows = [
                (l3, values, rng.choice(BASIS_OWN), forms.KIND[1] if rng.random() < 0.15 else forms.KIND[0])
                for l3, values in own[(l1, l2)]
            ]
        for l3, (p2, p1, cur, lt), basis, kind in rows:
            long_rows.append(LongIndicator(level1=l1, level2=l2, level3=l3, value=lt, basis=basis, kind=kind))
            annual_rows.append(
                AnnualIndicator(level1=l1, level2=l2, level3=l3, prev2=p2, prev1=p1, value=cur, basis=basis, kind=kind)
            )
    return long_rows, annual_rows


def _plan(rng: random.Random) -> SpendPlan:
    marks = sorted(rng.sample(range(5, 100, 5), 3))
    if rng.random() < 0.4:
        marks = [25, 50, 75]
    return SpendPlan(mar=marks[0], jun=marks[1], oct=marks[2], dec=100)


def _project_code(region: str, year: int, unit_code: str, index: int) -> str:
    # 6 region digits + 2 year digits + "P" + unit code (7) + sequence (3) + 2 check letters = 21.
    check = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    tail = check[(int(unit_code) + index) % len(check)] + check[(index * 7) % len(check)]
    return f"{region}{year % 100:02d}P{unit_code[:7]:0>7}{index:03d}{tail}"


def _project(rng: random.Random, fam: Family, slot: Slot, year: int, index: int, category: str, region: str) -> Project:
    code = _project_code(region, year, slot.code, index)
    if category == forms.CATEGORY[0]:
        name, use = "人员工资及社会保障缴费", "用于在职人员基本工资、津贴补贴、绩效工资及社会保险缴费"
        budget = _amount(rng, 30, 3000)
        indicators = _plain_indicators(
            rng, budget, ("保障在职人员", "人", 5, 300), "工资发放准确率", ("干部职工队伍稳定", "稳定")
        )
    elif category == forms.CATEGORY[1]:
        name, use = "机关日常运转经费", "用于办公费、水电费、差旅费、公务用车运行维护等日常公用支出"
        budget = _amount(rng, 5, 300)
        indicators = _plain_indicators(
            rng, budget, ("保障机构正常运转", "个", 1, 1), "经费支出合规率", ("单位正常运转", "有效保障")
        )
    else:
        idea = rng.choice(fam.ideas)
        name = idea.name if rng.random() < 0.6 else f"{year}年{idea.name}"
        if index > 1 and rng.random() < 0.3:
            name = f"{name}（第{cn_number(index)}批）"
        use = idea.use
        if rng.random() < 0.3:
            use += "，" + "，".join(
                rng.sample(
                    ("严格按照项目管理办法执行", "确保资金专款专用", "接受财政和审计部门监督", "按进度拨付资金"), 2
                )
            )
        use += "。"
        budget = _amount(rng, 2, 1500)
        out = idea.output
        indicators = _plain_indicators(rng, budget, (out.name, out.unit, out.low, out.high), idea.quality, idea.effect)
    fiscal, other = budget, None
    if rng.random() < 0.2:
        other = (budget * Decimal(rng.randint(5, 40)) / 100).quantize(CENT, ROUND_DOWN)
        fiscal = budget - other
    total = budget if rng.random() < 0.7 else (budget * Decimal(rng.choice((2, 3, 5)))).quantize(CENT)
    goals = [f"{use.rstrip('。')}，确保项目按计划实施。"]
    if rng.random() < 0.5:
        goals.append(f"项目资金执行率达到100%，{fam.audience}满意度不低于90%。")
    return Project(
        code=code,
        name=name,
        category=category,
        total_budget=total,
        budget=budget,
        fiscal=fiscal,
        other=other,
        direction=use.rstrip("。"),
        use=use,
        plan=_plan(rng),
        goals=goals,
        indicators=indicators,
    )


def _plain_indicators(
    rng: random.Random,
    budget: Decimal,
    output: tuple[str, str, int, int],
    quality: str,
    effect: tuple[str, str],
) -> list[ProjectIndicator]:
    """Indicators on the common tree, in tree order, some 二级 left out, 成本指标 never above the budget."""
    name, unit, low, high = output
    basis = lambda: rng.choice(forms.BASIS)  # noqa: E731
    rows: list[tuple[str, str, str, str, str]] = [
        ("产出指标", "数量指标", name, f"反映{name}情况", f"≥{rng.randint(low, max(low, high))}{unit}"),
        ("产出指标", "质量指标", quality, f"反映{quality}", rng.choice(("=100%", "≥98%", "≥95%"))),
        ("产出指标", "时效指标", rng.choice(("资金拨付及时率", "任务完成及时率")), "反映工作完成的及时程度", "=100%"),
    ]
    if rng.random() < 0.6:
        cap = budget if rng.random() < 0.6 else (budget * Decimal("0.9")).quantize(CENT, ROUND_DOWN)
        rows.append(("产出指标", "成本指标", "项目成本控制", "反映项目成本控制在预算以内", f"≤{_fmt_number(cap)}万元"))
    rows.append(("效益指标", "社会效益指标", effect[0], f"反映{effect[0]}", effect[1]))
    if rng.random() < 0.3:
        rows.append(("效益指标", "可持续影响指标", "长效管理机制", "反映项目长效运行管理情况", "健全"))
    score = rng.randint(85, 95)
    rows.append(
        ("满意度指标", "服务对象满意度指标", "服务对象满意度", "反映服务对象对项目实施的满意程度", f"≥{score}%")
    )
    return [
        ProjectIndicator(level1=a, level2=b, level3=c, description=d, value=v, basis=basis()) for a, b, c, d, v in rows
    ]


def _years(rng: random.Random, current: Decimal) -> YearAmounts:
    drift = lambda: _money(float(current) * rng.uniform(0.85, 1.05))  # noqa: E731
    return YearAmounts(current=current, prev2=drift(), prev1=drift())


def _income(rng: random.Random, totals: YearAmounts) -> Income:
    """Split each year's expense total into the three income sources so that income = expense."""
    parts: dict[str, dict[str, Decimal]] = {"fiscal": {}, "special": {}, "own": {}}
    has_special, has_own = rng.random() < 0.2, rng.random() < 0.35
    for year in YearAmounts.YEARS:
        total = getattr(totals, year)
        special = (total * Decimal(rng.randint(1, 8)) / 100).quantize(CENT, ROUND_DOWN) if has_special else ZERO
        own = (total * Decimal(rng.randint(1, 15)) / 100).quantize(CENT, ROUND_DOWN) if has_own else ZERO
        parts["fiscal"][year], parts["special"][year], parts["own"][year] = total - special - own, special, own
    return Income(**{k: YearAmounts(**v) for k, v in parts.items()})


def make_unit(seed: int, index: int, slot: Slot, county: str, year: int = 2025, max_projects: int = 30) -> Unit:
    """The ``index``-th unit of the county: content from (seed, index), identity from ``slot``.

    ``max_projects`` caps the project count (tests keep units small to stay fast)."""
    rng = random.Random(f"unit-{seed}-{index}")
    fam = slot.family
    region = f"{130700 + (seed % 90) * 10 + 1:06d}"
    n_projects = max(1, min(max_projects, int(rng.triangular(1, 31, 3 if not slot.head else 10))))
    categories = [forms.CATEGORY[2]] * n_projects
    if n_projects >= 3 and rng.random() < 0.5:
        categories[0] = forms.CATEGORY[0]
        if rng.random() < 0.6:
            categories[1] = forms.CATEGORY[1]
    projects = [_project(rng, fam, slot, year, i + 1, cat, region) for i, cat in enumerate(categories)]
    by_cat = {c: sum((p.budget for p in projects if p.category == c), ZERO) for c in forms.CATEGORY}
    personnel = max(by_cat[forms.CATEGORY[0]], _amount(rng, 40, 4000))
    operating = max(by_cat[forms.CATEGORY[1]], _amount(rng, 5, 400))
    expense = Expense(
        personnel=_years(rng, personnel),
        operating=_years(rng, operating),
        targeted=_years(rng, by_cat[forms.CATEGORY[2]]),
    )
    long_rows, annual_rows = _indicators(rng, fam)
    functions = _sentences(rng, fam.functions, 3, 6) + (
        [] if rng.random() < 0.5 else [rng.choice(ADMIN_FUNCTIONS) + "。"]
    )
    tasks = _sentences(rng, fam.tasks + ADMIN_TASKS, 2, 6)
    goals_lt = [t.rstrip("；。") for t in rng.sample(fam.tasks, min(len(fam.tasks), rng.randint(2, 4)))]
    goals_an = [t.rstrip("；。") for t in rng.sample(fam.tasks + ADMIN_TASKS, rng.randint(2, 4))]
    filled = _dt.date(year - 1, rng.randint(10, 12), rng.randint(1, 28))
    return Unit(
        code=slot.code,
        name=slot.name,
        parent=slot.name if slot.head or fam.key == "township" else f"{county}{fam.bureau}",
        region=county,
        year=year,
        filled_on=filled,
        filler=_person(rng),
        phone=_phone(rng),
        funding=Funding(income=_income(rng, expense.total), expense=expense),
        functions=functions,
        tasks=tasks,
        projects=projects,
        overall_goals=OverallGoals(long_term=goals_lt, annual=goals_an),
        long_term=LongTerm(deadline=year + 2, goal=_long_text(rng, goals_lt), indicators=long_rows),
        annual=Annual(goal=_long_text(rng, goals_an), indicators=annual_rows),
    )


def county_units(n: int, seed: int = 0, year: int = 2025, max_projects: int = 30) -> Iterator[tuple[str, Unit]]:
    """N units of one county, lazily (memory stays flat for thousands): (relative file path, unit)."""
    county, slots = catalogue(seed)
    for index in range(n):
        slot = next(slots)
        unit = make_unit(seed, index, slot, county, year, max_projects)
        folder = slot.family.bureau if slot.family.key != "township" else "乡镇"
        yield f"{folder}/{unit.code}-{unit.name}.json", unit


def write_county(n: int, out_dir: Path | str, seed: int = 0, year: int = 2025, max_projects: int = 30) -> list[Path]:
    """Write N unit files under ``out_dir`` (one folder per department); returns the files written."""
    from .files import write_atomic

    out = Path(out_dir)
    written = []
    for rel, unit in county_units(n, seed, year, max_projects):
        path = out / rel
        write_atomic(path, unit.to_json().encode("utf-8"))
        written.append(path)
    return written
