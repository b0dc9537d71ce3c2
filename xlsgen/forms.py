"""The fixed vocabulary of the official forms (forms.md §1–§3), defined once.

The templates, ``xlsgen new``, the reader and the validator all take the pre-printed skeleton, the
enumerations and the 填报说明 from here, so a label can never drift between writing and reading.
"""

from __future__ import annotations

import re

DEPT_SHEET = "部门整体绩效目标申报表"
PROJECT_SHEET = "项目绩效目标表"

# (一级指标, 二级指标, 三级指标...) in print order. An empty tuple of 三级指标 marks a ★ group: the unit
# names its own 三级指标 there (and may add rows of the same 二级).
SKELETON: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("运行成本", "公用经费控制", ("公用经费控制率",)),
    ("运行成本", "在职人员控制", ("在职人员控制率",)),
    ("运行成本", "项目支出成本控制", ("会议费控制率", "“三公经费”变动率")),
    ("管理效率", "战略管理", ("中长期规划相符性", "工作计划健全性")),
    ("管理效率", "预算编制", ("预算编制科学性", "预算编制合理性", "立项规范性", "预算调整率")),
    ("管理效率", "预算执行", ("预算执行率", "结转结余率", "政府采购执行率", "非税收入预算完成率")),
    (
        "管理效率",
        "绩效管理",
        ("事前绩效评估完成率", "绩效目标合理性", "绩效监控开展率", "绩效评价覆盖率", "评价结果应用率"),
    ),
    ("管理效率", "资产管理", ("资产管理制度健全性", "资产管理规范性")),
    ("管理效率", "财务管理", ("财务管理制度健全性", "会计核算规范性", "资金使用合规性")),
    ("履职效能", "核心业务产出 1", ()),
    ("履职效能", "核心业务产出 2", ()),
    ("社会效应", "经济效益", ()),
    ("社会效应", "社会效益", ()),
    ("社会效应", "生态效益", ()),
    ("可持续发展能力", "体制机制改革", ("服务体制改革成效", "行政管理体制改革成效")),
    ("可持续发展能力", "人才支撑", ("业务学习与培训完成率", "干部队伍体系建设规划情况", "高学历、高层次人才储备率")),
    ("可持续发展能力", "科技支撑", ("信息化建设情况",)),
    ("满意度", "服务对象满意度", ()),
    ("满意度", "联系部门满意度", ()),
)

LEVEL1 = tuple(dict.fromkeys(l1 for l1, _, _ in SKELETON))

# Spellings met in real forms, mapped to the printed label (forms.md §4 rule 11).
LABEL_VARIANTS = {
    "“三公”经费变动率": "“三公经费”变动率",
    '"三公经费"变动率': "“三公经费”变动率",
    '"三公"经费变动率': "“三公经费”变动率",
    "三公经费变动率": "“三公经费”变动率",
    **{f"核心业务产出{i}": f"核心业务产出 {i}" for i in range(1, 21)},
}

# Words typed instead of the years in the 近两年 headers (2023年 → 前年, 2024年 → 上年), as 000 阳新 does.
YEAR_WORDS = ("前年", "上年")

BASIS = ("计划标准", "行业标准", "历史标准", "预算支出标准", "其他标准")
KIND = ("绩效基本型", "绩效创新型")
KIND_SHORT = {"基本型": "绩效基本型", "创新型": "绩效创新型"}
CATEGORY = ("人员类项目支出", "运转类项目支出", "特定目标类项目支出")
CATEGORY_SHORT = {"人员类": "人员类项目支出", "运转类": "运转类项目支出", "特定目标类": "特定目标类项目支出"}
TARGETED = CATEGORY[2]  # the projects 支出构成's 特定目标类项目支出 adds up

# 部门总体资金情况 (forms.md §1): its two sides and their three parts, in print order.
INCOME = "收入构成"
EXPENSE = "支出构成"
INCOME_PARTS = ("财政拨款", "财政专户管理资金", "单位资金")
EXPENSE_PARTS = CATEGORY  # 支出构成 is printed by 支出项目类别
# 资金支出计划（%） of a project: the four checkpoints of the cumulative percentage.
CHECKPOINTS = ("3月底", "6月底", "10月底", "12月底")
# The project form's cost rows: 二级 成本指标 on the common tree, 一级 成本指标 on the cost_first tree, whose
# 经济成本指标 alone is money.
COST = "成本指标"
ECONOMIC_COST = "经济成本指标"
# The two indicator tables of 附件1.
LONG_TABLE = "长期绩效指标"
ANNUAL_TABLE = "年度绩效指标"

# Project indicator trees (forms.md §2): 一级指标 → its 二级指标, in print order.
PROJECT_TREES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "common": (
        ("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
        ("满意度指标", ("服务对象满意度指标",)),
    ),
    "cost_first": (
        ("成本指标", ("经济成本指标", "社会成本指标", "生态环境成本指标")),
        ("产出指标", ("数量指标", "质量指标", "时效指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
        ("满意度指标", ("服务对象满意度指标",)),
    ),
}

NOTES = (
    "填报说明：",
    "1.部门（单位）名称：填写部门（单位）全称。",
    "2.部门职能：填写部门主要职能。",
    "3.年度工作任务：填写根据部门主要职责和工作计划确定的本年度主要工作任务。",
    "4.长期目标：描述本部门在三年内通过履行部门职责所达到的部门整体及核心业务效果，并以相应的绩效指标予以细化、量化描述。",
    "5.长期绩效指标：主要包括运行成本、管理效率、履职效能、社会效应、可持续发展能力和满意度等六个一级指标，"
    "每一类一级指标细分为若干二级指标、三级指标，三级指标对应具体的指标值。",
    "6.年度目标：描述本部门在本年度内通过履行部门职责所达到的部门整体及核心业务效果。",
    "7.年度绩效指标参照长期绩效指标填报。",
    "8.指标确定依据：通过收集相关基础数据，明确指标值确定依据，主要包括计划标准、行业标准、历史标准、预算支出标准或其他标准。",
    "9.指标分类：按照绩效提升与创新程度将整体绩效目标分为绩效基本型、绩效创新型指标。",
)


def skeleton_rows() -> list[tuple[str, str, str]]:
    """Every pre-printed row as (一级, 二级, 三级); a ★ group gives one row with an empty 三级."""
    return [(l1, l2, l3) for l1, l2, l3s in SKELETON for l3 in (l3s or ("",))]


def fixed_level3(level1: str, level2: str) -> tuple[str, ...] | None:
    """The pre-printed 三级指标 of a group, or None for a ★ group the unit names itself."""
    for l1, l2, l3s in SKELETON:
        if (l1, l2) == (level1, level2):
            return l3s or None
    return None


# Custom document properties that carry the unit fields no form prints (written by render, read by read).
IDENTITY_PROPERTIES = {
    "code": "xlsgen_unit_code",
    "parent": "xlsgen_unit_parent",
    "region": "xlsgen_unit_region",
    "project_tree": "xlsgen_project_tree",
}


# 履职效能 / 核心业务产出 N: two are printed, a unit may add more. Printed with one space; typed with any.
PERFORMANCE = "履职效能"
CORE_OUTPUT = "核心业务产出"
CORE_PRINTED = re.compile(rf"^{CORE_OUTPUT} (\d+)$")
CORE_TYPED = re.compile(rf"^{CORE_OUTPUT}\s*(\d+)$")


def core_output(n: int) -> str:
    """The label of the n-th 核心业务产出 as printed: ``核心业务产出 2``."""
    return f"{CORE_OUTPUT} {n}"
