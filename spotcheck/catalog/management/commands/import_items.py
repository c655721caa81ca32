"""Import inspection items from a CSV or XLSX file (the format is decided by the file itself)."""

from spotcheck.catalog.imports import ITEM_IMPORT
from spotcheck.core.imports.commands import ImportCommand


class Command(ImportCommand):
    help = ("从 CSV 或 XLSX 文件导入抽查事项（按 部门代码+年度+事项编码 新增或更新；每个事项须对应本部门"
            "行政权力清单中的行政检查事项）；中断后再次运行同一命令会从断点继续。"
            " Import inspection items keyed by (department, year, code); rerun to resume.")
    spec = ITEM_IMPORT
