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

from spotcheck.core import clock
from spotcheck.core.crypto import field_cipher
from spotcheck.core.domain.uscc import uscc_problem, usccs_valid, usccs_valid_packed
from spotcheck.core.imports.jobs import register
from spotcheck.core.imports.models import ImportJob
from spotcheck.core.imports.spec import PK_COLUMN, CleanFrame, CleanRow, Column, ImportSpec, Rejected
from spotcheck.core.imports.writers import Writer
from spotcheck.registry.domain.checks import (
    PHONE_RE,
    SECTION_DIVISIONS,
    id_number_problem,
    id_numbers_valid,
    id_numbers_valid_packed,
    parse_date,
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
from spotcheck.registry.reference import division_parents, divisions_in_scope, industries

COLUMNS = [
    Column("统一社会信用代码", "uscc", example="91361102MA35XXXX06",
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
H = {c.field: c.header for c in COLUMNS}
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
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
        self.all_divisions = set(division_parents())
        self.divisions = self.all_divisions if scope is None else scope
        self.sections = frozenset(industries())
        self.tags = {name: pk for name, pk in KeyFieldTag.objects.filter(is_active=True)
                     .values_list("name", "id")}
        self.today = clock.today()
        self.cipher = field_cipher()
        self.industry_prefixes = [f"{s}{d:02d}" for s, r in SECTION_DIVISIONS.items() if s in self.sections
                                  for d in r]

    def clean_batch(self, rows: list[tuple[int, list[str]]], present: frozenset[str]
                    ) -> list[CleanRow | Rejected]:
        # One pass per row with local lookups: this loop runs a million times per import.
        cells = [[c.strip() for c in r] for _, r in rows]
        uscc_ok = usccs_valid([c[0] for c in cells])
        id_ok = id_numbers_valid([c[4].upper() for c in cells])
        kinds, statuses, risks = _KINDS, _STATUSES, _RISKS
        divisions, sections, tags, today = self.divisions, self.sections, self.tags, self.today
        out: list[CleanRow | Rejected] = []
        secrets: list[str] = []
        valid: list[CleanRow] = []
        for (number, _), c, u_ok, i_ok in zip(rows, cells, uscc_ok, id_ok, strict=True):
            (uscc, name, kind, rep, id_no, phone, division, industry, status,
             founded, address, tag_text, risk) = c
            errors: list[tuple[str, str]] = []
            if not u_ok:
                errors.append((H["uscc"], uscc_problem(uscc) or "统一社会信用代码无效"))
            if not name or len(name) > 200 or _CONTROL.search(name):
                errors.append((H["name"], "企业名称不能为空" if not name else
                               "企业名称超过 200 字" if len(name) > 200 else "企业名称含有控制字符"))
            kind_value = kinds.get(kind)
            if kind_value is None:
                errors.append((H["kind"], f"市场主体类型“{kind}”不正确，应为：" + _KIND_LABELS))
            if not rep or len(rep) > 64:
                errors.append((H["legal_rep_name"],
                               "法定代表人不能为空" if not rep else "法定代表人超过 64 字"))
            id_no = id_no.upper()
            if not i_ok:
                errors.append((H["legal_rep_id"], id_number_problem(id_no) or "证件号码校验位错误"))
            elif not id_no:
                errors.append((H["legal_rep_id"], "法定代表人证件号码不能为空"))
            elif len(id_no) != 18 and (problem := id_number_problem(id_no)):
                errors.append((H["legal_rep_id"], problem))
            if not PHONE_RE.fullmatch(phone):
                errors.append((H["legal_rep_phone"], "联系电话不能为空" if not phone else
                               f"联系电话“{phone}”格式不正确（手机 11 位或 区号-号码）"))
            if division not in divisions:
                errors.append((H["division"], f"行政区划代码“{division}”不在您的管辖范围内"
                               if division in self.all_divisions else f"未知的行政区划代码“{division}”"))
            if len(industry) == 1 and industry in sections:
                section, industry_class = industry, ""
            else:
                parsed = parse_industry(industry, sections)
                if isinstance(parsed, str):
                    errors.append((H["industry"], parsed if industry else "行业门类不能为空"))
                    section = industry_class = ""
                else:
                    section, industry_class = parsed
            status_value = statuses.get(status)
            if status_value is None:
                errors.append((H["status"], f"登记状态“{status}”不正确，应为：" + _STATUS_LABELS))
            founded_on = None
            if founded:
                founded_on = parse_date(founded)
                if founded_on is None:
                    errors.append((H["founded_on"], f"成立日期“{founded}”不是有效日期（如 2015-03-01）"))
                elif founded_on > today:
                    errors.append((H["founded_on"], f"成立日期 {founded_on} 晚于今天"))
            if len(address) > 255 or _CONTROL.search(address):
                errors.append((H["address"], "住所超过 255 字" if len(address) > 255 else "住所含有控制字符"))
            tag_ids: list[int] | None = None
            if tag_text:
                names = [t.strip() for t in _TAG_SPLIT.split(tag_text) if t.strip()]
                unknown = [t for t in names if t not in tags]
                if unknown:
                    errors.append((H["tags"], "未知的重点领域：" + "、".join(unknown)
                                   + "（可选：" + "、".join(tags) + "）"))
                tag_ids = sorted({tags[t] for t in names if t in tags})
            risk_value = None
            if risk:
                risk_value = risks.get(risk)
                if risk_value is None:
                    errors.append((H["risk_level"], f"信用风险等级“{risk}”不正确，应为：" + _RISK_LABELS))
            if errors:
                out.append(Rejected(number, uscc, errors))
                continue
            row = CleanRow(number, uscc, {
                "uscc": uscc, "name": name, "kind": kind_value, "legal_rep_name": rep,
                "division_id": division, "industry": section, "industry_class": industry_class,
                "status": status_value, "founded_on": founded_on, "address": address or None,
                "risk_level": risk_value,
            }, tag_ids)
            secrets.append(id_no + "\x1f" + phone)
            valid.append(row)
            out.append(row)
        for row, blob in zip(valid, self.cipher.encrypt_many(secrets) if secrets else [], strict=True):
            row.values["legal_rep_secret"] = blob
        return out

    def clean_frame(self, frame: Any, present: frozenset[str]) -> CleanFrame:
        """The rows of a chunk that pass every check of ``clean_batch`` in their simplest,
        commonest form, checked column-wise: resident ID of 18 characters, phone of at most
        13, ISO date, upper-case industry code, known tags. The engine passes only rows whose
        cells need no stripping (``frame_plain``). Anything else (valid or not) is left to
        ``clean_batch``, which judges it and writes the message. ``test_imports_frame``
        holds the two paths equal."""
        import polars as pl

        (uscc, name, kind, rep, id_no, phone, division, industry, status,
         founded, address, tag_text, risk) = [pl.col(f"s{i}") for i in range(len(COLUMNS))]
        kind_value = kind.replace_strict(_KINDS, default=None, return_dtype=pl.String)
        status_value = status.replace_strict(_STATUSES, default=None, return_dtype=pl.String)
        risk_value = risk.replace_strict(_RISKS, default=None, return_dtype=pl.String)
        founded_on = founded.str.to_date("%Y-%m-%d", strict=False)
        # tags: one (row, tag id) pair per named tag; a row naming an unknown one is not taken
        # (a cell of separators only names no tag: an empty list, as row by row)
        tag = pl.col("tag")
        pairs = (frame.select("row", tag_text.alias("tag")).filter(tag != "")
                 .with_columns(tag.str.replace_all(r"[;；,，、]", ";").str.split(";"))
                 .explode("tag").with_columns(tag.str.strip_chars())
                 .with_columns(pl.when(tag == "").then(-1).otherwise(
                     tag.replace_strict(self.tags or {"\x00": 0}, default=None, return_dtype=pl.Int64))
                     .alias("tag")))
        unknown = pairs.filter(tag.is_null())["row"]
        related = (pairs.group_by("row").agg(tag.filter(tag >= 0).unique().sort().alias("related"))
                   if pairs.height else None)
        # Lengths in bytes bound those in characters: a longer name in Chinese that still
        # fits is left to the row-by-row check. The USCC's alphabet and the ID's digits are
        # checked with their check characters below.
        ok = ((uscc.str.len_bytes() == 18)
              & name.str.len_bytes().is_between(1, 200)
              & kind_value.is_not_null()
              & rep.str.len_bytes().is_between(1, 64)
              & (id_no.str.len_bytes() == 18)
              & phone.str.contains(r"^(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")
              & (phone.str.len_bytes() <= 13)
              & division.is_in(list(self.divisions))
              & (industry.is_in(list(self.sections))
                 | (industry.str.contains(r"^[A-T][0-9]{2,4}$")
                    & industry.str.slice(0, 3).is_in(self.industry_prefixes)))
              & status_value.is_not_null()
              & ((founded == "") | (founded.str.contains(r"^[12][0-9]{3}-[0-9]{2}-[0-9]{2}$")
                                    & founded_on.is_not_null() & (founded_on <= self.today)))
              & (address.str.len_bytes() <= 255)
              & ((risk == "") | risk_value.is_not_null()))
        if unknown.len():
            ok = ok & ~pl.col("row").is_in(unknown.implode())
        rows = frame.select(
            pl.col("row"), ok.alias("ok"), uscc.alias("uscc"), name.alias("name"), kind_value.alias("kind"),
            rep.alias("legal_rep_name"),
            # upper case as row by row does; only an x can change in an ID that passes below
            id_no.str.replace_all("x", "X", literal=True).alias("id"), phone.alias("phone"),
            division.alias("division_id"), industry.str.slice(0, 1).alias("industry"),
            industry.str.slice(1).alias("industry_class"), status_value.alias("status"),
            # ISO text, checked above: COPY reads it as it is
            pl.when(founded == "").then(None).otherwise(founded).alias("founded_on"),
            pl.when(address == "").then(None).otherwise(address).alias("address"),
            risk_value.alias("risk_level"),
        )
        rows = (rows if rows["ok"].all() else rows.filter(pl.col("ok"))).drop("ok")
        if related is not None:
            rows = rows.join(related, on="row", how="left", maintain_order="left")
        else:
            rows = rows.with_columns(pl.lit(None, dtype=pl.List(pl.Int64)).alias("related"))
        if rows.height:
            # the checksums, column-wise over the rows of the right shape
            valid = (usccs_valid_packed(rows["uscc"].str.join("").item().encode("utf-8"))
                     & id_numbers_valid_packed(rows["id"].str.join("").item().encode("utf-8")))
            if not valid.all():
                rows = rows.filter(pl.Series(valid))
        # the ID number and phone, packed (digits, X, -) and encrypted: 33 bytes, as hex
        secret = (self.cipher.encrypt_packed_hex(
            rows.select(pl.concat_str([pl.col("id"), pl.lit("\x1f"), pl.col("phone")])).to_series())
            if rows.height else pl.Series(dtype=pl.String)).alias("legal_rep_secret")
        rows = rows.with_columns(secret, pl.col("uscc").alias("key")).drop("id", "phone")
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

