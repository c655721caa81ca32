"""The entity import: a corpus of good and bad files, modes, dry runs, resume after a crash."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from spotcheck.accounts.roles import Role
from spotcheck.core.crypto import field_cipher
from spotcheck.core.domain.uscc import uscc_with_check
from spotcheck.core.imports import jobs
from spotcheck.core.imports.files import FileRefused
from spotcheck.core.imports.models import ImportJob, ImportRowError, ImportStatus
from spotcheck.core.imports.reports import error_report_write, template_csv, template_xlsx
from spotcheck.core.imports.runner import FORMULA_MESSAGE
from spotcheck.demo.registry import entity_rows
from spotcheck.registry.imports import ENTITY_IMPORT
from spotcheck.registry.models import EntityTag, LibraryClass, MarketEntity

pytestmark = pytest.mark.django_db


def run(path: Path, *, user: Any = None, mode: str = "upsert", dry_run: bool = False) -> ImportJob:
    job = jobs.import_job_create(spec=ENTITY_IMPORT, acting_user=user, path=path, mode=mode,
                                   dry_run=dry_run, resume=False)
    return jobs.import_run(job.pk)


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return list(ImportRowError.objects.filter(job=job).order_by("row", "id").values_list(
        "row", "column", "message"))


def rows(n: int, seed: int = 5) -> list[list[str]]:
    return list(entity_rows(n, seed=seed))


def test_a_good_file_imports_every_row_and_a_rerun_updates_them(departments: Any, files: Any) -> None:
    data = rows(25)
    job = run(files.csv(data))
    assert (job.status, job.inserted, job.updated, job.rejected) == (ImportStatus.SUCCEEDED, 25, 0, 0)
    entity = MarketEntity.objects.get(uscc=data[0][0])
    assert entity.library_class == LibraryClass.B  # R-B1: new entities are class B
    assert field_cipher().decrypt(entity.legal_rep_secret or b"") == f"{data[0][4]}\x1f{data[0][5]}"
    assert entity.legal_rep_id_masked == data[0][4][:4] + "*" * 10 + data[0][4][-4:]
    assert data[0][4] not in entity.legal_rep_id_masked
    again = run(files.csv(data))
    assert (again.inserted, again.updated, again.rejected) == (0, 25, 0)
    assert MarketEntity.objects.count() == 25


def test_an_xlsx_file_imports_with_numbers_and_dates_as_cells(departments: Any, files: Any) -> None:
    import datetime as dt

    data: list[list[Any]] = rows(3)
    data[0][5] = int(data[0][5])  # a phone typed as a number
    data[1][9] = dt.datetime(2015, 3, 1)  # a real date cell
    job = run(files.xlsx(data))
    assert (job.inserted, job.rejected) == (3, 0), errors_of(job)
    assert str(MarketEntity.objects.get(uscc=data[1][0]).founded_on) == "2015-03-01"


def test_bad_rows_are_rejected_with_chinese_messages_and_the_valid_rows_imported(
        departments: Any, files: Any) -> None:
    good = rows(30)
    bad_check = [*good[0]]
    bad_check[0] = good[0][0][:17] + ("0" if good[0][0][17] != "0" else "1")
    unknown_division = [*rows(1, seed=9)[0]]
    unknown_division[6] = "110101"
    unknown_industry = [*rows(1, seed=10)[0]]
    unknown_industry[7] = "Z"
    bad_date = [*rows(1, seed=11)[0]]
    bad_date[9] = "2015-02-30"
    formula = [*rows(1, seed=12)[0]]
    formula[1] = "=HYPERLINK(\"http://evil\",\"点我\")"
    duplicate = [*good[3]]
    duplicate[1] = "重复的一行"
    bad_id = [*rows(1, seed=13)[0]]
    bad_id[4] = bad_id[4][:17] + ("0" if bad_id[4][17] != "0" else "1")
    job = run(files.csv([*good, bad_check, unknown_division, unknown_industry, bad_date, formula, duplicate,
                         bad_id]))
    assert (job.status, job.inserted, job.rejected) == (ImportStatus.SUCCEEDED, 30, 7)
    found = errors_of(job)
    by_row = {row: (column, message) for row, column, message in found}
    assert "校验位错误" in by_row[32][1] and by_row[32][0] == "统一社会信用代码"
    assert "未知的行政区划代码“110101”" in by_row[33][1]
    assert "行业门类" in by_row[34][0]
    assert "不是有效日期" in by_row[35][1]
    assert by_row[36] == ("企业名称", FORMULA_MESSAGE)
    assert "与第 5 行重复" in by_row[37][1]  # header is row 1, good[3] is row 5
    assert "身份证号码校验位错误" in by_row[38][1]
    assert MarketEntity.objects.get(uscc=good[3][0]).name == good[3][1]  # the first occurrence wins
    report = io.BytesIO()
    error_report_write(job, report)
    report.seek(0)
    sheet = openpyxl.load_workbook(report).active
    lines = [[c.value for c in r] for r in sheet.iter_rows()]
    assert lines[0] == ["行号", "列", "错误说明", "主键"]
    assert [r[0] for r in lines[1:]] == ["32", "33", "34", "35", "36", "37", "38"]
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


def test_a_county_user_imports_only_entities_of_the_county(make_user: Any, files: Any) -> None:
    user = make_user(Role.DEPT_ADMIN, "361123-ENV")  # 玉山县
    data = rows(4)
    data[0][6] = data[1][6] = "361123"
    data[2][6] = data[3][6] = "361102"
    job = run(files.csv(data), user=user)
    assert (job.inserted, job.rejected) == (2, 2)
    assert all("不在您的管辖范围内" in m for _, _, m in errors_of(job))


def _refused(path: Path, needle: str) -> None:
    """Refused as a whole: when the job is created (type, size, encoding) or when it starts
    (header, first batch); either way nothing written and the job failed with the reason."""
    try:
        job = run(path)
    except FileRefused as exc:
        assert needle in exc.message
    else:
        assert job.status == ImportStatus.FAILED
    assert MarketEntity.objects.count() == 0
    job = ImportJob.objects.latest("id")
    assert job.status == ImportStatus.FAILED and needle in job.message


@pytest.mark.parametrize(("case", "needle"), [
    ("empty", "文件为空"),
    ("csv_renamed_xlsx", "不是 XLSX 工作簿"),
    ("png_renamed_xlsx", "PNG 图片"),
    ("zip_not_xlsx", "不是 XLSX 工作簿"),
    ("zip_bomb", "压缩炸弹"),
    ("utf16", "编码无法识别"),
    ("nul", "空字节"),
    ("quote", "双引号不成对"),
    ("txt", "不支持的文件类型"),
])
def test_a_file_that_is_not_what_it_claims_is_refused_with_nothing_written(
        departments: Any, files: Any, case: str, needle: str) -> None:
    good = files.csv(rows(5)).read_bytes()
    if case == "empty":
        path = files.raw(b"", "e.csv")
    elif case == "csv_renamed_xlsx":
        path = files.raw(good, "e.xlsx")
    elif case == "png_renamed_xlsx":
        path = files.raw(b"\x89PNG\r\n\x1a\n" + b"0" * 100, "e.xlsx")
    elif case == "zip_not_xlsx":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("readme.txt", "hello")
        path = files.raw(buf.getvalue(), "e.xlsx")
    elif case == "zip_bomb":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("[Content_Types].xml", "<Types/>")
            zf.writestr("xl/workbook.xml", "<workbook/>")
            zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
        path = files.raw(buf.getvalue(), "e.xlsx")
    elif case == "utf16":
        path = files.raw(good.decode("utf-8").encode("utf-16"), "e.csv")
    elif case == "nul":
        path = files.raw(good + b"\0\0", "e.csv")
    elif case == "quote":
        path = files.raw(good + b'"unterminated,x\n', "e.csv")
    else:
        path = files.raw(good, "e.txt")
    _refused(path, needle)


def test_an_xlsx_sheet_too_big_to_hold_in_memory_is_refused(departments: Any, files: Any,
                                                             settings: Any) -> None:
    settings.IMPORT_MAX_XLSX_SHEET_MB = 1
    _refused(files.xlsx(rows(3000)), "另存为 CSV")


def test_a_bad_byte_at_the_end_refuses_the_whole_file(departments: Any, files: Any) -> None:
    path = files.csv(rows(40))
    path.write_bytes(path.read_bytes() + "最后一行".encode()[:-1] + b"\n")
    _refused(path, "编码无法识别")


def test_a_gb18030_file_is_read(departments: Any, files: Any) -> None:
    job = run(files.csv(rows(3), encoding="gb18030"))
    assert (job.inserted, job.rejected) == (3, 0)


def test_a_missing_or_unknown_column_refuses_the_file(departments: Any, files: Any) -> None:
    from spotcheck.registry.tests.conftest import HEADERS

    data = rows(3)
    _refused(files.csv([r[1:] for r in data], header=HEADERS[1:]), "缺少必填列：统一社会信用代码")
    _refused(files.csv([[*r, "x"] for r in data], header=[*HEADERS, "备注"], name="f.csv"),
             "无法识别的列：备注")
    _refused(files.csv([], header=[], name="g.csv"), "文件为空")


def test_optional_columns_may_be_left_out_and_blank_cells_keep_values(departments: Any, files: Any) -> None:
    from spotcheck.registry.tests.conftest import HEADERS

    data = rows(2)
    data[0][11] = "制造业;纳税大户"
    run(files.csv(data))
    first = MarketEntity.objects.get(uscc=data[0][0])
    assert EntityTag.objects.filter(entity=first).count() == 2
    short = [r[:9] for r in data]
    short[0][1] = "改名后的企业"
    job = run(files.csv(short, header=HEADERS[:9], name="short.csv"))
    assert (job.updated, job.rejected) == (2, 0)
    first.refresh_from_db()
    assert first.name == "改名后的企业"
    assert first.address == data[0][10] and first.founded_on is not None
    assert EntityTag.objects.filter(entity=first).count() == 2  # tags kept
    data[0][11] = "旅游业"
    run(files.csv(data, name="again.csv"))
    assert list(EntityTag.objects.filter(entity=first).values_list("tag__name", flat=True)) == ["旅游业"]


def test_modes_insert_only_and_update_only(departments: Any, files: Any) -> None:
    data = rows(4)
    run(files.csv(data[:2]))
    job = run(files.csv(data, name="b.csv"), mode="insert")
    assert (job.inserted, job.updated, job.rejected) == (2, 0, 2)
    assert all("仅新增" in m for _, _, m in errors_of(job))
    more = rows(6)[4:]
    job = run(files.csv([*data, *more], name="c.csv"), mode="update")
    assert (job.inserted, job.updated, job.rejected) == (0, 4, 2)
    assert all("仅更新" in m for _, _, m in errors_of(job))


def test_a_dry_run_writes_nothing_and_counts_what_would_happen(departments: Any, files: Any) -> None:
    data = rows(5)
    run(files.csv(data[:2]))
    job = run(files.csv([*data, data[4]], name="d.csv"), dry_run=True)
    assert (job.inserted, job.updated, job.rejected) == (3, 2, 1)
    assert MarketEntity.objects.count() == 2


def test_a_file_mostly_wrong_is_refused_as_a_whole(departments: Any, files: Any) -> None:
    data = rows(30)
    for r in data[:20]:
        r[6] = "999999"
    _refused(files.csv(data), "超过一半")


def test_too_many_errors_stop_the_import(departments: Any, files: Any, settings: Any) -> None:
    settings.IMPORT_MAX_ERRORS = 3
    data = rows(40)
    for r in data[20:30]:
        r[6] = "999999"
    job = run(files.csv(data))
    assert job.status == ImportStatus.FAILED and "错误行超过 3 行" in job.message


def test_the_downloadable_templates_import_cleanly(departments: Any, files: Any) -> None:
    csv_job = run(files.raw(template_csv(ENTITY_IMPORT), "t.csv"))
    assert (csv_job.inserted, csv_job.rejected) == (2, 0), errors_of(csv_job)
    xlsx_job = run(files.raw(template_xlsx(ENTITY_IMPORT), "t.xlsx"))
    assert (xlsx_job.updated, xlsx_job.rejected) == (2, 0), errors_of(xlsx_job)


def test_the_command_prints_a_summary_and_fails_on_a_refused_file(departments: Any, files: Any) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_entities", str(files.csv(rows(3))), stdout=out, stderr=err)
    assert "新增 3 行，更新 0 行，拒绝 0 行" in out.getvalue()
    assert "100.0%" in err.getvalue()
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_entities", str(files.raw(b"", "x.csv")), stdout=out, stderr=err)
    call_command("import_entities", str(files.csv(rows(5), name="y.csv")), "--dry-run",
                 stdout=out, stderr=err)
    assert "试运行（未写入）" in out.getvalue()
    assert MarketEntity.objects.count() == 3


def test_uscc_with_lowercase_or_spaces_is_cleaned_or_explained(departments: Any, files: Any) -> None:
    data = rows(2)
    data[0][0] = " " + data[0][0] + " "
    data[1][0] = uscc_with_check("91361102MA35XXXX0").lower()
    job = run(files.csv(data))
    assert job.inserted == 1
    assert "不允许的字符" in errors_of(job)[0][2]


@pytest.mark.parametrize("odd", ["11010519491231002Y", "11010519491231002y", "11010519491231002/"])
def test_an_18_digit_id_with_a_check_character_other_than_a_digit_or_x_is_rejected_row_by_row(
        departments: Any, files: Any, odd: str) -> None:
    # A resident ID ends in 0-9 or X (GB 11643, ISO 7064 MOD 11-2); a cell that starts like one
    # and ends otherwise is neither an ID nor another document's number. Such a row never
    # reaches the column-wise check, so the row-by-row one must refuse it itself.
    data = rows(3)
    data[1][4] = odd
    job = run(files.csv(data))
    assert (job.inserted, job.rejected) == (2, 1)
    assert errors_of(job) == [(3, "法定代表人证件号码", "身份证号码格式不正确")]
