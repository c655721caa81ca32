"""Import inspectors from a CSV or XLSX file (the format is decided by the file itself)."""

from spotcheck.core.imports.commands import ImportCommand
from spotcheck.roster.imports import INSPECTOR_IMPORT


class Command(ImportCommand):
    help = ("从 CSV 或 XLSX 文件导入执法检查人员（按执法证号新增或更新）；"
            "中断后再次运行同一命令会从断点继续。"
            " Import inspectors keyed by certificate number; rerun to resume after a crash.")
    spec = INSPECTOR_IMPORT
