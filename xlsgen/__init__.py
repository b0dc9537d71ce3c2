"""xlsgen: 预算单位绩效目标申报表生成器 (JSON → the official .xlsx forms, and back)."""

__version__ = "0.1.0"
