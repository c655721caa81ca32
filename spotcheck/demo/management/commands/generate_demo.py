"""Generate demo market entities (and, when those apps provide them, inspectors and items)."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from spotcheck.accounts.services import reference_load
from spotcheck.core.imports.commands import import_command
from spotcheck.demo.registry import demo_classes_apply, entity_csv_write
from spotcheck.registry.imports import ENTITY_IMPORT

OTHER_GENERATORS = [("spotcheck.demo.roster", "inspectors_generate", "执法检查人员"),
                    ("spotcheck.demo.catalog", "items_generate", "检查事项")]


class Command(BaseCommand):
    help = ("生成演示数据：上饶市场主体（经导入流程写入，可重复运行，不会重复），"
            "以及名录库、事项清单的演示数据（如已提供）。仅演示模式。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entities", type=int, default=20_000, help="市场主体数量（默认 20000）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("演示数据只能在演示模式下创建（设置 SPOTCHECK_DEMO=1）。")
        n, seed = options["entities"], options["seed"]
        if n < 0:
            raise CommandError("--entities 不能为负数。")
        reference_load()
        if n:
            folder = Path(settings.VAR_DIR) / "demo"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"entities-{seed}-{n}.csv"
            self.stdout.write(f"生成 {n} 个市场主体（种子 {seed}）：{path}")
            entity_csv_write(path, n, seed=seed)
            import_command(ENTITY_IMPORT, str(path), mode="upsert", dry_run=False,
                           stdout=self.stdout, stderr=self.stderr)
            a, c = demo_classes_apply()
            self.stdout.write(f"监管库类别：新列入 A 类 {a} 个、C 类 {c} 个（其余为 B 类）。")
        for module, function, title in OTHER_GENERATORS:
            if importlib.util.find_spec(module) is None:
                continue
            generate = getattr(importlib.import_module(module), function, None)
            if generate is not None:
                count = generate(seed=seed)
                self.stdout.write(f"{title}：{count}。")
