"""Import market entities from a CSV or XLSX file (the format is decided by the file itself)."""

from spotcheck.core.imports.commands import ImportCommand
from spotcheck.registry.imports import ENTITY_IMPORT


class Command(ImportCommand):
    help = ("从 CSV 或 XLSX 文件导入市场主体；中断后再次运行同一命令会从断点继续。 "
            "Import market entities; rerun to resume after a crash.")
    spec = ENTITY_IMPORT
