"""Unit files from the county's unit list (issue 14 §1): ``xlsgen units 单位清单.xlsx -o data/``.

The list is one spreadsheet, one row per unit. Its header row is found by name (common spellings
accepted: 单位编码/单位代码/单位编号, 单位名称/部门名称, …), columns may come in any order and extra
columns are ignored. The list is an imported file: it passes ``safety.open_package`` before openpyxl
sees it.

Each row gives one unit file. A new unit gets the pre-printed skeleton, as ``xlsgen new`` writes it.
An existing unit file (found by its 单位编码 anywhere under the output folder) is never overwritten: its
identity fields (名称, 主管部门, 所属地区, 填报人, 联系电话) are updated from the list and everything else
is kept; a blank cell in the list keeps what the file says. A row whose code is missing or appears twice
is a located error (``单位清单.xlsx!A7``); the other rows still go through.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ERROR, WARNING, DataError, Location, Problem, XlsgenError
from .forms import IDENTITY_PROPERTIES

LIST_SHEET = "单位清单"
# Field → the header spellings accepted, compared after _header_key (NFKC, no spaces, no * or colon).
HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("单位编码", "单位代码", "单位编号", "预算单位编码", "预算单位代码", "部门编码", "部门代码", "编码", "代码"),
    "name": (
        "单位名称", "部门名称", "部门(单位)名称", "部门单位名称", "单位全称", "预算单位名称", "预算单位", "名称",
    ),
    "parent": ("主管部门", "主管单位", "主管部门名称", "上级主管部门", "上级部门", "归口部门"),
    "region": ("所属地区", "地区", "所属区县", "所在地区", "行政区划", "区划"),
    "year": ("预算年度", "年度", "年份"),
    "filler": ("填报人", "联系人", "经办人"),
    "phone": ("联系电话", "电话", "联系方式", "手机", "手机号码", "办公电话"),
}  # fmt: skip
COLUMNS = ("code", "name", "parent", "region", "year", "filler", "phone")
TITLES = {"code": "单位编码", "name": "单位名称", "parent": "主管部门", "region": "所属地区",
          "year": "预算年度", "filler": "填报人", "phone": "联系电话"}  # fmt: skip
IDENTITY = ("name", "parent", "region", "filler", "phone")  # what the list updates in an existing file
HEADER_ROWS = 20  # the header row is looked for among the first rows (a title may stand above it)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Row:
    number: int  # as the sheet shows it (1-based)
    values: dict[str, Any]
    cells: dict[str, str]  # field → "A7"


@dataclass
class Sheet:
    """The rows of a unit list, with ``where(row, field)`` naming a cell as the user sees it."""

    source: str
    sheet: str
    single: bool  # the list is on the sheet the workbook opens on: cells are named ``file!A7``
    rows: list[Row]
    problems: list[Problem] = field(default_factory=list)

    def where(self, cell: str) -> Location:
        return Location(self.source, sheet="" if self.single else self.sheet, cell=cell)


@dataclass
class Result:
    created: list[tuple[Path, str, str]] = field(default_factory=list)  # (file, code, name)
    updated: list[tuple[Path, str, str, list[str]]] = field(default_factory=list)  # + the fields changed
    unchanged: list[tuple[Path, str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(p.level == ERROR for p in self.problems)


def _problem(level: str, code: str, message: str, where: Location) -> Problem:
    return Problem(level, code, message, where)


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s*＊:：]", "", text).lower()


_KEYS = {_header_key(h): f for f, spellings in HEADERS.items() for h in spellings}


def _text(value: Any) -> str:
    """A cell as text: a code or phone typed as a number reads as its digits (4500.0 → 4500)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def read_list(path: Path) -> Sheet:
    """Read a unit list; raises DataError when the file is not a readable list at all."""
    import openpyxl

    from .osfiles import NotReadable, read_regular
    from .safety import MAX_FILE, col_letters, open_package

    try:
        data = read_regular(path, MAX_FILE)  # never a FIFO or a device (issue 13 §7)
    except NotReadable as exc:
        raise DataError(f"无法读取文件：{exc}", Location(str(path))) from None
    source = Path(path).name
    package = open_package(data, source)  # zip-bomb, XML-bomb, encrypted, extent: refused before openpyxl
    try:
        wb = openpyxl.load_workbook(io.BytesIO(package.data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise DataError(
            f"无法作为工作簿读取（{type(exc).__name__}），请在 Excel 中另存为 .xlsx 后重试", Location(source)
        ) from None
    try:
        visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        for ws in visible:
            grid = [tuple(r) for r in ws.iter_rows(values_only=True)]
            header = _find_header(grid)
            if header is not None:
                break
        else:
            raise DataError(
                f"找不到单位清单的表头：前 {HEADER_ROWS} 行中应有一行含「单位编码」与「单位名称」两列"
                "（也可写作 单位代码、单位编号、部门名称）；可用 xlsgen units --template 生成空白清单",
                Location(source),
            )
    finally:
        wb.close()
    at, columns, repeated = header
    sheet = Sheet(source, ws.title, ws is wb.worksheets[0], [])
    for f, col in repeated:
        sheet.problems.append(
            _problem(
                WARNING,
                "W-LIST",
                f"表头「{TITLES[f]}」出现了不止一次，只读取第一列，此列忽略",
                sheet.where(f"{col_letters(col)}{at + 1}"),
            )
        )
    for r in range(at + 1, len(grid)):
        raw = grid[r]
        values = {f: (raw[c] if c < len(raw) else None) for f, c in columns.items()}
        if all(_text(v) == "" for v in values.values()):
            continue  # a blank row between groups of units
        cells = {f: f"{col_letters(c)}{r + 1}" for f, c in columns.items()}
        sheet.rows.append(Row(r + 1, values, cells))
    return sheet


def _find_header(grid: list[tuple[Any, ...]]) -> tuple[int, dict[str, int], list[tuple[str, int]]] | None:
    for r, row in enumerate(grid[:HEADER_ROWS]):
        columns: dict[str, int] = {}
        repeated: list[tuple[str, int]] = []
        for c, value in enumerate(row):
            f = _KEYS.get(_header_key(_text(value))) if isinstance(value, str) else None
            if f is None:
                continue
            if f in columns:
                repeated.append((f, c))
            else:
                columns[f] = c
        if "code" in columns and "name" in columns:
            return r, columns, repeated
    return None


def _existing(out_dir: Path) -> tuple[dict[str, list[Path]], set[str]]:
    """Unit files already under ``out_dir`` by their code, and the names of all files there (casefolded)."""
    from .bulk import find_units

    by_code: dict[str, list[Path]] = {}
    names: set[str] = set()
    if not out_dir.is_dir():
        return by_code, names
    for path in find_units(out_dir):
        names.add(path.name.casefold())
        try:
            code = json.loads(path.read_bytes()).get("code")
        except (OSError, ValueError, AttributeError):
            continue  # not a unit file we can match; its own commands report it
        if isinstance(code, (int, float)) and not isinstance(code, bool):
            code = str(code)
        if isinstance(code, str) and code.strip():
            by_code.setdefault(code.strip(), []).append(path)
    return by_code, names


def _row_fields(sheet: Sheet, row: Row, default_year: int | None, problems: list[Problem]) -> dict[str, Any] | None:
    """The row's fields, cleaned; None (with located errors) when the row cannot make a unit."""
    from .model import property_text  # here: the blank list (--template) needs no model

    out: dict[str, Any] = {}
    ok = True
    for f in COLUMNS:
        if f not in row.values:
            continue
        text = _text(row.values[f])
        if _CONTROL.search(text):
            problems.append(
                _problem(ERROR, "E-LIST", f"{TITLES[f]}中含有不可见的控制字符，请删除后重试", sheet.where(row.cells[f]))
            )
            ok = False
        elif f in IDENTITY_PROPERTIES:  # the unit file would be refused by generate: said at the list's cell
            try:
                property_text(text)
            except ValueError as exc:
                problems.append(_problem(ERROR, "E-LIST", f"{TITLES[f]}的{exc}", sheet.where(row.cells[f])))
                ok = False
        out[f] = text
    code_cell = sheet.where(row.cells["code"])
    if not out.get("code"):
        problems.append(
            _problem(ERROR, "E-LIST", f"第 {row.number} 行没有单位编码，这一行未生成：请填写单位编码", code_cell)
        )
        ok = False
    if not out.get("name"):
        problems.append(
            _problem(
                ERROR,
                "E-LIST",
                f"第 {row.number} 行没有单位名称，这一行未生成：请填写单位全称",
                sheet.where(row.cells["name"]),
            )
        )
        ok = False
    year_text = out.pop("year", "")
    if year_text:
        m = re.fullmatch(r"(\d{4})\s*年?(度)?", unicodedata.normalize("NFKC", year_text))
        year = int(m.group(1)) if m else None
        if year is None or not 2000 <= year <= 2100:
            problems.append(
                _problem(
                    ERROR,
                    "E-LIST",
                    f"预算年度「{year_text}」不是年份，应为四位数字，如 2025",
                    sheet.where(row.cells["year"]),
                )
            )
            ok = False
        out["year"] = year
    elif default_year is not None:
        out["year"] = default_year
    else:
        where = sheet.where(row.cells["year"]) if "year" in row.cells else code_cell
        problems.append(
            _problem(
                ERROR,
                "E-LIST",
                f"第 {row.number} 行没有预算年度：请在清单中填写预算年度，或运行时加 --year 2025",
                where,
            )
        )
        ok = False
    return out if ok else None


def apply_list(sheet: Sheet, out_dir: Path, default_year: int | None = None) -> Result:
    """Create or update one unit file per row of ``sheet`` under ``out_dir``; each file written whole."""
    from .files import write_atomic
    from .model import new_unit
    from .render import file_name

    out_dir = Path(out_dir)
    result = Result(problems=list(sheet.problems))
    codes: dict[str, list[Row]] = {}
    for row in sheet.rows:
        code = _text(row.values.get("code"))
        if code:
            codes.setdefault(code, []).append(row)
    existing, taken = _existing(out_dir)
    for row in sheet.rows:
        fields = _row_fields(sheet, row, default_year, result.problems)
        if fields is None:
            continue
        code = fields["code"]
        where = sheet.where(row.cells["code"])
        same = codes[code]
        if len(same) > 1:
            others = "、".join(str(r.number) for r in same if r is not row)
            result.problems.append(
                _problem(
                    ERROR,
                    "E-LIST",
                    f"单位编码 {code} 在第 {others} 行也出现了：同一编码的行都未生成，请改正重复的编码",
                    where,
                )
            )
            continue
        files = existing.get(code, [])
        if len(files) > 1:
            names = "、".join(str(p) for p in files)
            result.problems.append(
                _problem(
                    ERROR,
                    "E-LIST",
                    f"{out_dir} 中有多个单位编码为 {code} 的文件（{names}），未改动：请只保留一个",
                    where,
                )
            )
            continue
        try:
            if files:
                _update(files[0], fields, result, where)
                continue
            unit = new_unit(code, fields["name"], fields["year"]).model_copy(
                update={
                    "schema_": "../schema/unit.schema.json",
                    **{f: fields[f] for f in IDENTITY if fields.get(f)},
                }
            )
            target = out_dir / (file_name(unit)[: -len(".xlsx")] + ".json")
            if target.name.casefold() in taken or target.exists():
                result.problems.append(
                    _problem(ERROR, "E-LIST", f"{target} 已存在但不是单位 {code} 的文件，未生成：请检查该文件", where)
                )
                continue
            write_atomic(target, unit.to_json().encode("utf-8"))
        except XlsgenError as exc:
            result.problems.extend(exc.problems)
            continue
        taken.add(target.name.casefold())
        result.created.append((target, code, unit.name))
    return result


def _update(path: Path, fields: dict[str, Any], result: Result, where: Location) -> None:
    from .files import write_atomic
    from .model import load_unit

    unit = load_unit(path)
    if unit.year != fields["year"]:
        result.problems.append(
            _problem(
                ERROR,
                "E-LIST",
                f"单位 {unit.code} 的文件 {path} 是 {unit.year} 年度的，清单为 {fields['year']} 年度，未改动："
                f"新年度请先运行 xlsgen rollover 生成草稿，或改正清单中的预算年度",
                where,
            )
        )
        return
    changes = {f: fields[f] for f in IDENTITY if fields.get(f) and fields[f] != getattr(unit, f)}
    if not changes:
        result.unchanged.append((path, unit.code, unit.name))
        return
    write_atomic(path, unit.model_copy(update=changes).to_json().encode("utf-8"))
    result.updated.append((path, unit.code, changes.get("name", unit.name), [TITLES[f] for f in changes]))


# ---------------------------------------------------------------- the blank list and the example list

# The demo county's list (examples/单位清单.xlsx): every name and number is fictitious, for trying the
# season's commands out.
EXAMPLE_ROWS: tuple[tuple[str, str, str, str, int, str, str], ...] = (
    ("900101", "示例县财政局", "示例县财政局", "示例县", 2025, "张三", "0000-0000001"),
    ("900201", "示例县教育局", "示例县教育局", "示例县", 2025, "李四", "0000-0000002"),
    ("900202", "示例县第一中学", "示例县教育局", "示例县", 2025, "王五", "0000-0000003"),
    ("900301", "示例县卫生健康局", "示例县卫生健康局", "示例县", 2025, "赵六", "0000-0000004"),
    ("900302", "示例县人民医院", "示例县卫生健康局", "示例县", 2025, "钱七", "0000-0000005"),
    ("900401", "示例县医疗保障局", "示例县医疗保障局", "示例县", 2025, "孙八", "0000-0000006"),
    ("900501", "示例县农业农村局", "示例县农业农村局", "示例县", 2025, "周九", "0000-0000007"),
    ("900601", "示例县城关镇人民政府", "示例县人民政府", "示例县", 2025, "吴十", "0000-0000008"),
)
TEMPLATE_ROWS = 500  # rows formatted as text for codes and phones (leading zeros must survive)
NOTES = (
    "填写说明：",
    "1. 每行一个预算单位；单位编码与单位名称必填，单位编码不能重复。",
    "2. 单位编码、联系电话按文本填写（本表已设为文本格式），以免开头的 0 丢失。",
    "3. 列的顺序可以调整，也可以增加其他列（如备注），xlsgen 只读取认识的列。",
    "4. 预算年度填四位数字（如 2025）；整列留空时，运行 xlsgen units 加 --year 指定。",
    "5. 再次运行 xlsgen units 时，已有的单位文件不会被覆盖：只更新名称、主管部门、所属地区、填报人、联系电话，已填写的内容全部保留。",
)


def list_bytes(rows: tuple[tuple[Any, ...], ...] = ()) -> bytes:
    """The unit list workbook: the header row, ``rows`` under it, text-formatted code and phone columns."""
    import xlsxwriter

    from .styles import BODY_FONT
    from .xlsx import FIXED_DATE

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    wb.set_properties({"title": "单位清单", "author": "xlsgen", "created": FIXED_DATE})
    base = {"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter"}
    head = wb.add_format({**base, "bold": True, "align": "center", "border": 1, "bg_color": "#D9E1F2"})
    text = wb.add_format({**base, "num_format": "@"})
    plain = wb.add_format(base)
    ws = wb.add_worksheet(LIST_SHEET)
    widths = {"code": 12, "name": 30, "parent": 24, "region": 12, "year": 10, "filler": 10, "phone": 16}
    for c, f in enumerate(COLUMNS):
        ws.set_column(c, c, widths[f], text if f in ("code", "phone", "name", "parent", "region", "filler") else plain)
        ws.write_string(0, c, TITLES[f], head)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if isinstance(value, int):
                ws.write_number(r, c, value, plain)
            else:
                ws.write_string(r, c, value, text)
    year_col = COLUMNS.index("year")
    ws.data_validation(
        1, year_col, TEMPLATE_ROWS, year_col,
        {"validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100,
         "error_title": "预算年度", "error_message": "请填写四位数字的年份，如 2025"},
    )  # fmt: skip
    ws.freeze_panes(1, 0)
    ws.set_row(0, 22)
    notes = wb.add_worksheet("填写说明")
    notes.set_column(0, 0, 100)
    for r, line in enumerate(NOTES):
        notes.write_string(r, 0, line, wb.add_format({**base, "bold": r == 0}))
    ws.activate()
    wb.close()
    return buf.getvalue()
