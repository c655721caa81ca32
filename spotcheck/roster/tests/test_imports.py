"""Inspector import on the shared engine: good and bad files, row errors naming row and
column, department scope, tags, modes, the command and the upload pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.core.errors import Refused
from spotcheck.core.imports import jobs
from spotcheck.core.imports.models import ImportJob, ImportStatus
from spotcheck.roster.imports import COLUMNS, INSPECTOR_IMPORT
from spotcheck.roster.models import Inspector
from spotcheck.roster.tests.factories import InspectorFactory, TagFactory
from spotcheck.roster.tests.importfiles import errors, write_csv, write_xlsx

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in COLUMNS]


def run(path: Path, user: Any = None, **options: Any) -> ImportJob:
    job = jobs.import_job_create(spec=INSPECTOR_IMPORT, acting_user=user, path=path, **options)
    return jobs.import_run(job.pk)


@pytest.fixture
def env(departments: Any) -> Department:
    TagFactory.create(department=Department.objects.get(code="361100-ENV"), code="WATER",
                      label="水环境")
    return Department.objects.get(code="361100-ENV")


GOOD = [
    ["JX-001", "张三", "361100-ENV", "执法类公务员", "2030-12-31", "", "WATER", "是"],
    ["JX-002", "李四", "361100-ENV", "具有执法资格人员", "2030/6/1", "", "水环境", ""],
    ["EXP-01", "王五", "361100-ENV", "外部专家", "", "江西省环境监测中心站", "", ""],
]


def test_a_good_csv_is_imported_with_tags_and_a_second_run_updates(env: Department,
                                                                   tmp_path: Path) -> None:
    job = run(write_csv(tmp_path / "a.csv", GOOD, HEADERS))
    assert (job.status, job.inserted, job.rejected) == (ImportStatus.SUCCEEDED, 3, 0)
    one = Inspector.objects.get(certificate_no="JX-001")
    assert [t.code for t in one.tags.all()] == ["WATER"]
    assert Inspector.objects.get(certificate_no="JX-002").tags.get().code == "WATER"
    expert = Inspector.objects.get(certificate_no="EXP-01")
    assert expert.valid_until is None and expert.organisation == "江西省环境监测中心站"
    changed = [["JX-001", "张三丰", "361100-ENV", "执法类公务员", "2031-01-01", "", "", "否"]]
    again = run(write_csv(tmp_path / "b.csv", changed, HEADERS))
    assert (again.inserted, again.updated) == (0, 1)
    one.refresh_from_db()
    assert (one.name, one.is_active, str(one.valid_until)) == ("张三丰", False, "2031-01-01")
    assert one.deactivated_reason and [t.code for t in one.tags.all()] == ["WATER"]  # blank keeps


def test_an_xlsx_file_is_imported_the_same_way(env: Department, tmp_path: Path) -> None:
    job = run(write_xlsx(tmp_path / "a.xlsx", GOOD, HEADERS))
    assert job.inserted == 3 and Inspector.objects.count() == 3


def test_bad_rows_are_rejected_naming_row_and_column_and_good_ones_kept(env: Department,
                                                                       tmp_path: Path) -> None:
    InspectorFactory.create(certificate_no="SAMR-1",
                            department=Department.objects.get(code="361100-SAMR"))
    rows = [
        GOOD[0],
        ["张三", "张三", "361100-ENV", "执法类公务员", "2030-12-31", "", "", ""],
        ["JX-003", "", "361100-XXX", "执法类公务员", "2030-12-31", "", "", ""],
        ["JX-004", "赵六", "361100-ENV", "临时工", "2030-12-31", "", "", ""],
        ["JX-005", "钱七", "361100-ENV", "执法类公务员", "", "", "", ""],
        ["JX-006", "孙八", "361100-ENV", "外部专家", "", "", "", ""],
        ["JX-007", "周九", "361100-ENV", "执法类公务员", "2030-02-30", "", "NOPE", "也许"],
        ["SAMR-1", "吴十", "361100-ENV", "执法类公务员", "2030-12-31", "", "", ""],
        ["JX-001", "重复", "361100-ENV", "执法类公务员", "2030-12-31", "", "", ""],
    ]
    job = run(write_csv(tmp_path / "bad.csv", rows, HEADERS))
    assert (job.inserted, job.rejected) == (1, 8)
    found = errors(job)
    expect = [
        (3, "执法证号", "执法证号“张三”无效"), (4, "姓名", "姓名不能为空"), (4, "部门代码", "未知的部门代码"),
        (5, "人员类别", "人员类别“临时工”不正确"), (6, "证件有效期至", "执法人员须填写证件有效期"),
        (7, "所在机构", "外部专家须填写所在机构"), (8, "证件有效期至", "不是有效日期"),
        (8, "资格与专长", "NOPE"), (8, "在册", "“也许”不正确"), (9, "部门代码", "已登记在其他部门"),
        (10, "执法证号", "与第 2 行重复"),
    ]
    for row, column, text in expect:
        assert any(r == row and c == column and text in m for r, c, m in found), (row, column, found)


def test_a_department_admin_imports_only_into_their_department(make_user: Any, env: Department,
                                                               tmp_path: Path) -> None:
    admin = make_user(Role.DEPT_ADMIN)
    rows = [GOOD[0], ["S-1", "钱七", "361100-SAMR", "执法类公务员", "2030-12-31", "", "", ""]]
    job = run(write_csv(tmp_path / "a.csv", rows, HEADERS), admin)
    assert job.inserted == 1
    assert errors(job) == [(3, "部门代码", "部门代码“361100-SAMR”不在您可导入的部门中")]
    with pytest.raises(Refused, match="没有导入执法检查人员的权限"):
        run(write_csv(tmp_path / "b.csv", rows, HEADERS), make_user(Role.PLANNER))


def test_a_file_with_a_wrong_header_writes_nothing(env: Department, tmp_path: Path) -> None:
    job = run(write_csv(tmp_path / "a.csv", GOOD, ["执法证号", "姓名", "性别"]))
    assert job.status == ImportStatus.FAILED and "缺少必填列" in job.message
    assert not Inspector.objects.exists()


def test_modes_and_dry_run(env: Department, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", GOOD, HEADERS)
    assert run(path, dry_run=True).inserted == 3 and not Inspector.objects.exists()
    assert run(path, mode="update").rejected == 3 and not Inspector.objects.exists()
    run(path)
    assert run(path, mode="insert").rejected == 3


def test_the_command_imports_and_refuses_a_bad_file(env: Department, tmp_path: Path,
                                                    capsys: Any) -> None:
    call_command("import_inspectors", str(write_csv(tmp_path / "a.csv", GOOD, HEADERS)))
    assert Inspector.objects.count() == 3
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01binary")
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_inspectors", str(bad))


def test_the_upload_page_queues_a_job_that_the_admin_follows(client: Any, make_user: Any,
                                                             env: Department, tmp_path: Path,
                                                             django_capture_on_commit_callbacks: Any
                                                             ) -> None:
    client.force_login(make_user(Role.DEPT_ADMIN))
    template = client.get(reverse("roster:import_template", kwargs={"fmt": "csv"}))
    assert template.content.decode("utf-8-sig").startswith(",".join(HEADERS))
    path = write_csv(tmp_path / "bad.csv", [GOOD[0], ["x y", "甲", "361100-ENV", "执法类公务员",
                                                      "2030-12-31", "", "", ""]], HEADERS)
    with path.open("rb") as fh, django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("roster:import"), {"file": fh, "mode": "upsert"})
    job = ImportJob.objects.get(kind=INSPECTOR_IMPORT.kind)
    assert response["Location"] == reverse("roster:import_job", kwargs={"pk": job.pk})
    jobs.import_run(job.pk)
    page = client.get(response["Location"]).content.decode()
    assert "新增 <span class=\"n-inserted\">1</span>" in page and "下载错误报告" in page
    report = client.get(reverse("roster:import_report", kwargs={"pk": job.pk}))
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd")
    client.force_login(make_user(Role.DEPT_ADMIN, "361100-SAMR"))
    assert client.get(reverse("roster:import_job", kwargs={"pk": job.pk})).status_code == 403
