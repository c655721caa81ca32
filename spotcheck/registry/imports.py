"""The entity import (市场主体导入): the columns of the file and how a row is checked.

Columns (header → field): the first nine are required; 成立日期, 住所, 重点领域 and 信用风险等级
may be left out of the file, and a blank cell in them keeps the current value on update.
New entities enter class B (R-B1); the class is never set by an import (the office decides
A and C, R-A1/R-C1). A user imports only entities of their own divisions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from spotcheck.accounts.divisions import division_parents, divisions_in_scope
from spotcheck.core import clock
from spotcheck.core.crypto import field_cipher
from spotcheck.core.imports.checks import Bad, Check, Checks, Choice, Date, Scope, Text, Uscc
from spotcheck.core.imports.jobs import register
from spotcheck.core.imports.models import ImportJob
from spotcheck.core.imports.spec import PK_COLUMN, CleanFrame, CleanRow, Column, ImportSpec, Rejected
from spotcheck.core.imports.writers import Writer
from spotcheck.core.reference import industry_sections
from spotcheck.registry.domain.checks import (
    ID_RE,
    PHONE_RE,
    SECTION_DIVISIONS,
    id_number_problem,
    id_numbers_valid,
    parse_industry,
)
from spotcheck.registry.models import (
    EntityKind,
    EntityTag,
    KeyFieldTag,
    MarketEntity,
    RegistrationStatus,
    RiskLevel,
)

COLUMNS = [
    Column("统一社会信用代码", "uscc", example="91361102MA35R8K4Q7",
           help="18 位，GB 32100 校验位须正确；文件内不得重复"),
    Column("企业名称", "name", example="上饶市信州区示例商贸有限公司", help="至多 200 字"),
    Column("市场主体类型", "kind", example="公司", help="、".join(EntityKind.labels)),
    Column("法定代表人", "legal_rep_name", example="张三", help="法定代表人或负责人、经营者姓名"),
    Column("法定代表人证件号码", "legal_rep_id", example="11010519491231002X",
           help="居民身份证 18 位（校验位须正确）或其他证件号码；加密保存，页面仅显示脱敏值"),
    Column("联系电话", "legal_rep_phone", example="13800000000",
           help="手机 11 位或固定电话（区号-号码）；加密保存"),
    Column("行政区划代码", "division", example="361102", help="GB/T 2260 六位代码，须在您的管辖范围内"),
    Column("行业门类", "industry", example="F",
           help="GB/T 4754-2017 门类字母 A–T，可跟行业代码，如 F 或 F5211"),
    Column("登记状态", "status", example="存续", help="、".join(RegistrationStatus.labels)),
    Column("成立日期", "founded_on", required=False, example="2015-03-01",
           help="如 2015-03-01、2015/3/1、2015年3月1日；不得晚于今天"),
    Column("住所", "address", required=False, example="上饶市信州区示例路 1 号", help="至多 255 字"),
    Column("重点领域", "tags", required=False, example="制造业;招商引资",
           help="以分号分隔；可选值见系统“重点领域”词表，如 制造业、旅游业、数字经济、招商引资、纳税大户"),
    Column("信用风险等级", "risk_level", required=False, example="低", help="、".join(RiskLevel.labels)),
]
_KINDS = {**{label: value for value, label in EntityKind.choices}, **{v: v for v in EntityKind.values}}
_STATUSES = {**{label: value for value, label in RegistrationStatus.choices},
             **{v: v for v in RegistrationStatus.values}}
_RISKS = {**{label: value for value, label in RiskLevel.choices},
          **{label + "风险": value for value, label in RiskLevel.choices},
          **{v: v for v in RiskLevel.values}}
_KIND_LABELS = "、".join(EntityKind.labels)
_STATUS_LABELS = "、".join(RegistrationStatus.labels)
_RISK_LABELS = "、".join(RiskLevel.labels)
_TAG_SPLIT = re.compile(r"[;；,，、]")


class IdNumber(Check):
    """The legal representative's document number, upper case: a resident ID (18 characters)
    must carry its check character; other documents are 5–32 letters and digits."""

    fields = ("legal_rep_id",)

    def cells(self, cells: list[str]) -> list[Any]:
        ids = [c.upper() for c in cells]
        # resident IDs checked at once (``id_numbers_valid``); every other cell is explained
        # by ``id_number_problem``, which also refuses 17 digits followed by anything but a
        # digit or X (GB 11643: a resident ID, not another document's number)
        resident = [i for i, v in enumerate(ids) if len(v) == 18 and v.isascii() and ID_RE.fullmatch(v)]
        good = set()
        if resident:
            checked = id_numbers_valid("".join(ids[i] for i in resident).encode("ascii"))
            good = {i for i, ok in zip(resident, checked, strict=True) if ok}
        return [v if i in good
                else Bad("法定代表人证件号码不能为空") if not v
                else Bad(problem) if (problem := id_number_problem(v))
                else v for i, v in enumerate(ids)]

    def frame(self, frame: Any, cell: Any) -> tuple[Any, dict[str, Any]]:
        # resident IDs of 18 characters only; upper case as row by row (only an x can change
        # in an ID that ``valid`` passes)
        return cell.str.len_bytes() == 18, {"legal_rep_id": cell.str.replace_all("x", "X", literal=True)}

    def valid(self, values: dict[str, Any]) -> Any:
        return id_numbers_valid(values["legal_rep_id"].str.join("").item().encode("utf-8"))


class Phone(Check):
    """A mobile number (11 digits) or a landline (area code, number, an extension); the
    column-wise check takes the commonest forms only (no extension, ASCII digits)."""

    fields = ("legal_rep_phone",)

    def one(self, cell: str) -> Any:
        if PHONE_RE.fullmatch(cell):
            return cell
        if not cell:
            return Bad("联系电话不能为空")
        return Bad(f"联系电话“{cell}”格式不正确（手机 11 位或 区号-号码）")

    def frame(self, frame: Any, cell: Any) -> tuple[Any, dict[str, Any]]:
        ok = cell.str.contains(r"^(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$") & (cell.str.len_bytes() <= 13)
        return ok, {"legal_rep_phone": cell}


class Industry(Check):
    """A GB/T 4754 section letter, optionally with its class code (F, F5211): two fields.
    Column-wise: a known section alone, or an upper-case letter and 2–4 digits under it."""

    fields = ("industry", "industry_class")

    def __init__(self, sections: frozenset[str]) -> None:
        self.sections = sections
        self.prefixes = [f"{s}{d:02d}" for s, r in SECTION_DIVISIONS.items() if s in sections for d in r]

    def one(self, cell: str) -> Any:
        if len(cell) == 1 and cell in self.sections:
            return cell, ""
        parsed = parse_industry(cell, self.sections)
        if isinstance(parsed, str):
            return Bad(parsed if cell else "行业门类不能为空")
        return parsed

    def frame(self, frame: Any, cell: Any) -> tuple[Any, dict[str, Any]]:
        ok = (cell.is_in(list(self.sections))
              | (cell.str.contains(r"^[A-T][0-9]{2,4}$") & cell.str.slice(0, 3).is_in(self.prefixes)))
        return ok, {"industry": cell.str.slice(0, 1), "industry_class": cell.str.slice(1)}


class Tags(Check):
    """Key-field tags named from the vocabulary, separated by ; , or 、: their ids, sorted
    (the row's related data); blank: None (an update keeps the entity's tags)."""

    fields = ("related",)

    def __init__(self, tags: dict[str, int]) -> None:
        self.tags = tags

    def one(self, cell: str) -> Any:
        if not cell:
            return None
        names = [t.strip() for t in _TAG_SPLIT.split(cell) if t.strip()]
        unknown = [t for t in names if t not in self.tags]
        if unknown:
            return Bad("未知的重点领域：" + "、".join(unknown) + "（可选：" + "、".join(self.tags) + "）")
        return sorted({self.tags[t] for t in names})

    def frame(self, frame: Any, cell: Any) -> tuple[Any, dict[str, Any]]:
        import polars as pl

        # one (row, tag id) pair per named tag; a row naming an unknown one is not taken (a
        # cell of separators only names no tag: an empty list, as row by row)
        tag = pl.col("tag")
        pairs = (frame.select("row", cell.alias("tag")).filter(tag != "")
                 .with_columns(tag.str.replace_all(r"[;；,，、]", ";").str.split(";"))
                 .explode("tag").with_columns(tag.str.strip_chars())
                 .with_columns(pl.when(tag == "").then(-1).otherwise(
                     tag.replace_strict(self.tags or {"\x00": 0}, default=None, return_dtype=pl.Int64))
                     .alias("tag")))
        unknown = pairs.filter(tag.is_null())["row"]
        ok = ~pl.col("row").is_in(unknown.implode()) if unknown.len() else pl.lit(True)
        if not pairs.height:
            return ok, {"related": pl.lit(None, dtype=pl.List(pl.Int64))}
        ids = tag.filter(tag >= 0).unique().sort().alias("related")
        return ok, {"related": pairs.group_by("row").agg(ids)}


class EntityImport(ImportSpec):
    kind = "registry.entity"
    title = "市场主体"
    perm = "registry.import_entity"
    columns = COLUMNS
    model = MarketEntity
    key_field = "uscc"
    batch_size = 5000
    has_related = True
    related_models = (EntityTag,)

    def prepare(self, job: ImportJob, present: frozenset[str]) -> None:
        scope = divisions_in_scope(job.created_by)
        everywhere = frozenset(division_parents())
        tags = {name: pk for name, pk in KeyFieldTag.objects.filter(is_active=True).values_list("name", "id")}
        self.cipher = field_cipher()
        # one check per column (column field → check): both ways of checking rows are made
        # from them
        self.checks = Checks(COLUMNS, {
            "uscc": Uscc("uscc"),
            "name": Text("name", "企业名称", 200),
            "kind": Choice("kind", "市场主体类型", _KINDS, _KIND_LABELS),
            "legal_rep_name": Text("legal_rep_name", "法定代表人", 64, controls=False),
            "legal_rep_id": IdNumber(),
            "legal_rep_phone": Phone(),
            "division": Scope("division_id", "行政区划代码",
                              frozenset(scope) if scope is not None else everywhere, everywhere),
            "industry": Industry(frozenset(industry_sections())),
            "status": Choice("status", "登记状态", _STATUSES, _STATUS_LABELS),
            "founded_on": Date("founded_on", "成立日期", "2015-03-01", latest=clock.today()),
            "address": Text("address", "住所", 255, required=False),
            "tags": Tags(tags),
            "risk_level": Choice("risk_level", "信用风险等级", _RISKS, _RISK_LABELS, required=False),
        })

    def clean_batch(self, rows: list[tuple[int, list[str]]], present: frozenset[str]
                    ) -> list[CleanRow | Rejected]:
        out: list[CleanRow | Rejected] = []
        secrets: list[str] = []
        valid: list[CleanRow] = []
        for (number, cells), (values, errors) in zip(rows, self.checks.rows(rows), strict=True):
            if errors:
                out.append(Rejected(number, cells[0].strip(), errors))
                continue
            secrets.append(values.pop("legal_rep_id") + "\x1f" + values.pop("legal_rep_phone"))
            row = CleanRow(number, values["uscc"], values, values.pop("related"))
            valid.append(row)
            out.append(row)
        # the ID number and phone, encrypted together, one cipher call a batch
        for row, blob in zip(valid, self.cipher.encrypt_many(secrets) if secrets else [], strict=True):
            row.values["legal_rep_secret"] = blob
        return out

    def clean_frame(self, frame: Any, present: frozenset[str]) -> CleanFrame:
        """The rows of a chunk that every column's check takes column-wise (their simplest,
        commonest forms); the engine passes only rows whose cells need no stripping
        (``frame_plain``). Anything else is left to ``clean_batch``, which judges it and
        writes the message. ``test_imports_frame`` holds the two paths equal."""
        import polars as pl

        rows = self.checks.frame(frame)
        # the ID number and phone, packed (digits, X, -) and encrypted: 33 bytes, as hex
        secret = (self.cipher.encrypt_packed_hex(
            rows.select(pl.concat_str([pl.col("legal_rep_id"), pl.lit("\x1f"), pl.col("legal_rep_phone")]))
            .to_series()) if rows.height else pl.Series(dtype=pl.String)).alias("legal_rep_secret")
        rows = rows.with_columns(secret, pl.col("uscc").alias("key")).drop("legal_rep_id", "legal_rep_phone")
        return CleanFrame(rows, _frame_rows)

    def write_related(self, written: list[tuple[int, CleanRow, bool]], writer: Writer) -> None:
        """Key-field tags: a row that names tags replaces the entity's tags; one that leaves
        the cell blank keeps them."""
        replaced = [pk for pk, row, inserted in written if row.related is not None and not inserted]
        writer.delete_where_in(EntityTag, "entity_id", replaced)
        links = [{"entity_id": pk, "tag_id": tag} for pk, row, _ in written if row.related
                 for tag in row.related]
        writer.bulk_insert(EntityTag, links)

    def prepare_related_frame(self, frame: CleanFrame) -> None:
        """(new entity id, tag id) pairs of the frame's tagged rows."""
        import polars as pl

        frame.related_rows = (frame.frame.select(pl.col(PK_COLUMN).alias("entity_id"),
                                                 pl.col("related").alias("tag_id"))
                              .explode("tag_id").drop_nulls())

    def write_related_frame(self, frame: CleanFrame, writer: Writer) -> None:
        """Tags of new entities from a clean frame: (new id, tag id) pairs, one COPY."""
        if frame.related_rows is None:
            self.prepare_related_frame(frame)
        writer.insert_frame_rows(EntityTag, frame.related_rows)

    def template_rows(self) -> list[list[str]]:
        return [[c.example for c in COLUMNS],
                ["92361123MA39YYYY0G", "玉山县示例小吃店", "个体工商户", "李四", "11010519491231002X",
                 "0793-8888888", "361123", "H6210", "在业", "", "", "", ""]]


def _frame_rows(frame: Any) -> list[CleanRow]:
    """Rows of a clean frame as ``clean_batch`` would have made them."""
    out = []
    for values in frame.drop("row", "key", "related", PK_COLUMN, strict=False).iter_rows(named=True):
        values["legal_rep_secret"] = bytes.fromhex(values["legal_rep_secret"])
        if values["founded_on"] is not None:
            values["founded_on"] = dt.date.fromisoformat(values["founded_on"])
        out.append(values)
    return [CleanRow(n, k, v, None if rel is None else list(rel))
            for (n, k, rel), v in zip(frame.select("row", "key", "related").iter_rows(), out, strict=True)]


ENTITY_IMPORT = register(EntityImport())

