"""Item import on the shared engine: R-L1 per row, the service's rules per row, key
(department, year, code), blank cells keep values, the command and the upload page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.catalog.imports import COLUMNS, ITEM_IMPORT
from spotcheck.catalog.models import InspectionItem, PowerKind
from spotcheck.catalog.tests.factories import PowerEntryFactory
from spotcheck.core.imports import jobs
from spotcheck.core.imports.models import ImportJob, ImportStatus
from spotcheck.roster.tests import importfiles
from spotcheck.roster.tests.factories import TagFactory
from spotcheck.roster.tests.importfiles import errors

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in COLUMNS]
YEAR = 2027


def write_csv(path: Path, rows: list[list[str]], headers: list[str] = HEADERS) -> Path:
    return importfiles.write_csv(path, rows, headers)


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    return importfiles.write_xlsx(path, rows, HEADERS)


@pytest.fixture(autouse=True)
def _in_2027(on_day: Any) -> None:
    on_day(date(YEAR, 2, 1))


@pytest.fixture
def env(departments: Any) -> Department:
    env = Department.objects.get(code="361100-ENV")
    PowerEntryFactory.create(department=env, code="ENV-JC-001")
    PowerEntryFactory.create(department=env, code="ENV-CF-001", kind=PowerKind.PENALTY)
    TagFactory.create(department=env, code="PERMIT")
    return env


def row(**cells: str) -> list[str]:
    base = {"部门代码": "361100-ENV", "年度": str(YEAR), "事项编码": "ENV-01",
            "抽查事项": "排污许可执行情况检查", "检查子项": "", "权力编码": "ENV-JC-001",
            "检查依据": "《排污许可管理条例》", "检查内容": "按证排污", "检查方式": "实地检查;书面检查",
            "检查对象类型": "公司;个体工商户", "检查对象行业": "C、D", "重点领域": "制造业",
            "默认抽查比例（%）": "3.5", "抽查频次（次/年）": "", "执法人员人数": "",
            "执法人员资格要求": "PERMIT", "适用类别": "A类;B类", "列入A类联合检查事项清单": "是", "有效": ""}
    base.update(cells)
    return [base[h] for h in HEADERS]


def run(path: Path, user: Any = None, **options: Any) -> ImportJob:
    job = jobs.import_job_create(spec=ITEM_IMPORT, acting_user=user, path=path, **options)
    return jobs.import_run(job.pk)


def test_good_rows_become_items_tied_to_the_power_list(env: Department, tmp_path: Path) -> None:
    job = run(write_csv(tmp_path / "a.csv", [row(), row(**{"事项编码": "ENV-02", "年度": str(YEAR + 1),
                                                          "列入A类联合检查事项清单": "",
                                                          "适用类别": "C"})]))
    assert (job.status, job.inserted, job.rejected) == (ImportStatus.SUCCEEDED, 2, 0)
    item = InspectionItem.objects.get(item_key=f"361100-ENV/{YEAR}/ENV-01")
    assert item.power_entry.code == "ENV-JC-001" and item.default_ratio_bp == 350
    assert item.methods == ["实地检查", "书面检查"]
    assert item.target_entity_types == ["company", "individual"]
    assert item.target_industries == ["C", "D"] and item.target_tags == ["制造业"]
    assert item.applicable_classes == ["A", "B"] and item.in_joint_list and item.is_active
    assert (item.frequency_per_year, item.inspectors_required) == (1, 2)
    assert InspectionItem.objects.get(code="ENV-02").applicable_classes == ["C"]


def test_r_l1_and_the_item_rules_reject_rows_naming_the_column(env: Department,
                                                              tmp_path: Path) -> None:
    rows = [
        row(**{"事项编码": "A1", "权力编码": "NOPE"}),
        row(**{"事项编码": "A2", "权力编码": "ENV-CF-001"}),
        row(**{"事项编码": "A3", "权力编码": ""}),
        row(**{"事项编码": "A4", "适用类别": "B"}),
        row(**{"事项编码": "A5", "年度": str(YEAR - 1)}),
        row(**{"事项编码": "A6", "检查方式": "上门看看", "默认抽查比例（%）": "百分之五"}),
        row(**{"事项编码": "A7", "执法人员人数": "1", "执法人员资格要求": "NOPE"}),
        row(**{"事项编码": "编码", "检查对象行业": "Z"}),
        row(**{"部门代码": "361100-XXX", "事项编码": "A9"}),
        row(**{"事项编码": "A10"}),
    ]
    job = run(write_csv(tmp_path / "bad.csv", rows))
    assert (job.inserted, job.rejected) == (1, 9)
    found = errors(job)
    expect = [
        (2, "权力编码", "不在市生态环境局的行政权力清单中（R-L1"), (3, "权力编码", "须对应行政检查类"),
        (4, "权力编码", "R-L1"), (5, "列入A类联合检查事项清单", "必须适用于A类主体"),
        (6, "年度", "只能导入 2027 或 2028"), (7, "检查方式", "上门看看"),
        (7, "默认抽查比例（%）", "不是数字"), (8, "执法人员人数", "至少需要 2 名"),
        (8, "执法人员资格要求", "NOPE"), (9, "事项编码", "事项编码“编码”无效"),
        (9, "检查对象行业", "GB/T 4754"), (10, "部门代码", "未知的部门代码"),
    ]
    for number, column, text in expect:
        assert any(r == number and c == column and text in m for r, c, m in found), (number, found)


def test_blank_optional_cells_keep_values_and_rules_hold_for_the_merged_item(
        env: Department, tmp_path: Path) -> None:
    run(write_csv(tmp_path / "a.csv", [row()]))
    short = [h for h in HEADERS if h not in ("检查对象类型", "检查对象行业", "重点领域")]
    keep = [dict(zip(HEADERS, row(**{"抽查事项": "新名称", "列入A类联合检查事项清单": ""}),
                     strict=True))[h] for h in short]
    job = run(write_csv(tmp_path / "b.csv", [keep], headers=short))
    assert job.updated == 1
    item = InspectionItem.objects.get()
    assert item.name == "新名称" and item.target_industries == ["C", "D"] and item.in_joint_list
    # Still in the joint list (blank cell keeps it): classes without A are refused.
    drop_a = run(write_csv(tmp_path / "c.csv", [row(**{"适用类别": "B", "列入A类联合检查事项清单": ""})]))
    assert drop_a.rejected == 1 and "必须适用于A类主体" in errors(drop_a)[0][2]


def test_a_department_admin_imports_only_their_department_and_xlsx_works(
        make_user: Any, env: Department, tmp_path: Path) -> None:
    PowerEntryFactory.create(department=Department.objects.get(code="361100-SAMR"),
                             code="SAMR-JC-001")
    rows = [row(), row(**{"部门代码": "361100-SAMR", "权力编码": "SAMR-JC-001",
                          "执法人员资格要求": ""})]
    job = run(write_xlsx(tmp_path / "a.xlsx", rows), make_user(Role.DEPT_ADMIN))
    assert job.inserted == 1 and "不在您可导入的部门中" in errors(job)[0][2]


def test_the_command_and_the_upload_page(client: Any, make_user: Any, env: Department,
                                         tmp_path: Path,
                                         django_capture_on_commit_callbacks: Any) -> None:
    call_command("import_items", str(write_csv(tmp_path / "a.csv", [row()])), "--dry-run")
    assert not InspectionItem.objects.exists()
    client.force_login(make_user(Role.DEPT_ADMIN))
    xlsx = client.get(reverse("catalog:import_template", kwargs={"fmt": "xlsx"}))
    assert xlsx.status_code == 200 and len(xlsx.content) > 1000
    with (tmp_path / "a.csv").open("rb") as fh, django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("catalog:import"), {"file": fh, "mode": "upsert"})
    job = ImportJob.objects.get(kind=ITEM_IMPORT.kind, dry_run=False)
    assert response["Location"] == reverse("catalog:import_job", kwargs={"pk": job.pk})
    jobs.import_run(job.pk)
    assert InspectionItem.objects.get().item_key == f"361100-ENV/{YEAR}/ENV-01"
    progress = client.get(reverse("catalog:import_progress", kwargs={"pk": job.pk}))
    assert "已完成" in progress.content.decode()
