"""The vocabulary of the demo county: the shape of a unit family, phrases, place and person names.

Kept apart from the generator (demo.py) because it is data: long tables of the words a real county's
forms use, read by the generator, never run. The families themselves are in demo_families_1.py and
demo_families_2.py (one module would be too long to read).
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Output:
    """A measurable 三级指标: name, unit of measure, range of the number, comparator."""

    name: str
    unit: str
    low: int
    high: int
    cmp: str = "≥"


@dataclass(frozen=True)
class Idea:
    """A project a unit of the family typically runs."""

    name: str
    use: str
    output: Output
    quality: str
    effect: tuple[str, str]  # (社会效益 三级指标, value phrase)


@dataclass(frozen=True)
class Family:
    key: str
    dept: str  # three-digit department code: the prefix of every unit code of the family
    bureau: str
    subs: tuple[str, ...]
    town_subs: tuple[str, ...]
    functions: tuple[str, ...]
    tasks: tuple[str, ...]
    outputs: tuple[Output, ...]
    economic: tuple[tuple[str, str], ...]
    social: tuple[tuple[str, str], ...]
    ecological: tuple[tuple[str, str], ...]
    audience: str
    ideas: tuple[Idea, ...]


def _o(name: str, unit: str, low: int, high: int, cmp: str = "≥") -> Output:
    return Output(name, unit, low, high, cmp)


COUNTIES = (
    "怀来县",
    "阳新县",
    "临泉县",
    "青阳县",
    "云梦县",
    "宁陵县",
    "安远县",
    "柏乡县",
    "广平县",
    "石城县",
    "东至县",
    "兴山县",
    "通山县",
    "崇义县",
    "武宁县",
    "平江县",
    "安化县",
    "宜章县",
    "嘉鱼县",
    "浠水县",
)
TOWNS = (
    "城关镇",
    "东关镇",
    "西河镇",
    "南湖镇",
    "北山镇",
    "龙泉镇",
    "石桥镇",
    "白沙镇",
    "黄土岭乡",
    "柳河镇",
    "桃源乡",
    "杏林镇",
    "青山镇",
    "双河镇",
    "三里镇",
    "五里铺镇",
    "马家店镇",
    "李庄乡",
    "新集镇",
    "大坪乡",
    "小河镇",
    "高峰镇",
    "长岭乡",
    "金山镇",
    "清水乡",
    "白云镇",
    "太平镇",
    "永安乡",
    "福田镇",
    "兴隆镇",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = (
    "丽娜",
    "伟",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "晓东",
    "海燕",
    "志强",
    "红梅",
    "文博",
    "雪",
    "琳",
    "俊",
    "婷",
    "鹏",
    "洁",
    "晨",
)
BASIS_OWN = ("计划标准", "行业标准", "历史标准", "计划标准", "其他标准")
ADMIN_FUNCTIONS = (
    "负责本单位财务、资产管理和内部控制工作，规范预算执行和政府采购",
    "负责本系统干部队伍建设、教育培训和党风廉政建设工作",
    "完成县委、县政府和上级主管部门交办的其他任务",
)
ADMIN_TASKS = (
    "全面加强党的建设，落实全面从严治党主体责任，持续推进党风廉政建设",
    "强化预算绩效管理，提高财政资金使用效益，严控“三公”经费支出",
    "加强干部队伍建设，开展业务学习培训，提升干部职工履职能力和服务水平",
)
GOAL_FILLERS = (
    "坚持以人民为中心的发展思想，",
    "紧紧围绕县委、县政府中心工作，",
    "统筹使用部门预算资金，",
    "对标上级考核要求，",
    "以提升服务效能为核心，",
)

# (三级指标, value options, basis): every fixed skeleton row of 附件1 with plausible values.
FIXED_VALUES: dict[str, tuple[tuple[str, ...], str]] = {
    "公用经费控制率": (("≤100%",), "预算支出标准"),
    "在职人员控制率": (("≤100%",), "预算支出标准"),
    "会议费控制率": (("≤100%", "≤95%"), "预算支出标准"),
    "“三公经费”变动率": (("≤0%",), "预算支出标准"),
    "中长期规划相符性": (("相符", "部门规划与部门职能相符", "与部门职能高度相符"), "行业标准"),
    "工作计划健全性": (("健全", "明确、具体、可操作"), "行业标准"),
    "预算编制科学性": (("科学", "真实、完整、准确"), "行业标准"),
    "预算编制合理性": (("合理", "重点项目预算有保障，部门内部项目之间不重复"), "预算支出标准"),
    "立项规范性": (("规范", "各项目设立依据充分，按照程序申请设立"), "预算支出标准"),
    "预算调整率": (("≤5%", "≤10%", "=0%"), "预算支出标准"),
    "预算执行率": (("≥95%", "=100%", "≥90%"), "计划标准"),
    "结转结余率": (("≤5%", "=0%", "≤10%"), "预算支出标准"),
    "政府采购执行率": (("=100%", "≥95%"), "计划标准"),
    "非税收入预算完成率": (("=100%", "≥100%", "≥95%"), "计划标准"),
    "事前绩效评估完成率": (("=100%",), "计划标准"),
    "绩效目标合理性": (("合理", "符合部门制定的中长期规划和年度工作计划"), "行业标准"),
    "绩效监控开展率": (("=100%",), "计划标准"),
    "绩效评价覆盖率": (("≥90%", "=100%", "≥80%"), "计划标准"),
    "评价结果应用率": (("=100%", "≥90%"), "计划标准"),
    "资产管理制度健全性": (("健全", "资产配置、使用、处置等管理制度完善"), "行业标准"),
    "资产管理规范性": (("规范", "资产保存完整，使用合规"), "行业标准"),
    "财务管理制度健全性": (("健全", "已制定收入支出管理、内控管理等制度，制度合法合规、完整"), "行业标准"),
    "会计核算规范性": (("规范", "符合国家财经法规和财务管理制度有关规定"), "行业标准"),
    "资金使用合规性": (("合规", "符合国家财经法规和财务管理制度有关规定，公用经费不存在超标准支出情况"), "行业标准"),
    "服务体制改革成效": (("稳步推进", "成效明显", "改革平稳推进，服务对象获得感提高"), "计划标准"),
    "行政管理体制改革成效": (("稳步推进", "权责、程序法定；事权责任明确"), "计划标准"),
    "业务学习与培训完成率": (("≥95%", "=100%", "≥90%"), "计划标准"),
    "干部队伍体系建设规划情况": (("科学合理", "制定干部队伍建设规划科学；人才储备规划合理"), "计划标准"),
    "高学历、高层次人才储备率": (("≥5%", "≥10%", "≥8%"), "历史标准"),
    "信息化建设情况": (("持续推进", "运用信息化手段提升工作效率及管理效能"), "计划标准"),
}
