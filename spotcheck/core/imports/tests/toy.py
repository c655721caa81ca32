"""A toy import for the engine's own tests: gadgets with a code (the key), a name and an
optional size, in a table that exists only in the test database (``conftest.py``). It uses
only what any import may declare (columns, ``clean_row``, ``write_related``), so that the
engine is tested through its public contract."""

from __future__ import annotations

from typing import Any

from django.db import models

from spotcheck.core.imports.models import ImportedRow
from spotcheck.core.imports.spec import CleanRow, Column, ImportSpec, RowErrors
from spotcheck.core.imports.writers import Writer


class Gadget(ImportedRow):
    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=40)
    size = models.IntegerField(null=True, blank=True)

    objects: models.Manager[Gadget] = models.Manager()

    class Meta:
        app_label = "imports"
        db_table = "imports_test_gadget"


class Killed(BaseException):
    """Stands for the process being killed in the middle of a batch."""


class GadgetImport(ImportSpec):
    kind = "test.gadget"
    title = "小部件"
    perm = "imports.import_gadget"
    columns = [Column("编码", "code"), Column("名称", "name"), Column("尺寸", "size", required=False)]
    model = Gadget
    key_field = "code"
    batch_size = 25
    has_related = True

    def __init__(self, *, kill_in_batch: int = 0) -> None:
        # the batch (1, 2, ...) whose write is interrupted, as if the process were killed
        self.kill_in_batch = kill_in_batch
        self.batches = 0

    def clean_row(self, data: dict[str, str], errors: RowErrors) -> tuple[str, dict[str, Any], Any]:
        if not data["code"]:
            errors.add("编码", "编码不能为空")
        if not data["name"]:
            errors.add("名称", "名称不能为空")
        size = None
        if data["size"]:
            if not data["size"].isdigit():
                errors.add("尺寸", f"尺寸“{data['size']}”不是整数")
            else:
                size = int(data["size"])
        return data["code"], {"code": data["code"], "name": data["name"], "size": size}, None

    def write_related(self, written: list[tuple[int, CleanRow, bool]], writer: Writer) -> None:
        self.batches += 1
        if self.batches == self.kill_in_batch:
            raise Killed(f"killed while writing batch {self.batches}")
