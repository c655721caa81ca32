"""Supervision reports and notifications (R-S3): the figures are the dashboard's (the same
selector, judged on the period's end), the lists of what was missed, the previous period;
a yearly report of a simulated demo year written to PDF (its pages rendered and looked at)
and XLSX (reopened, totals checked); notifications issued, published through the allowlist;
bad input refused."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.storage import default_storage

from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.roles import Role
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.demo.simulation import year_simulate
from spotcheck.demo.tests.test_simulation import small_city
from spotcheck.oversight import reports, selectors, services
from spotcheck.oversight.models import Notification, Report
from spotcheck.oversight.tests.conftest import YEAR

pytestmark = pytest.mark.django_db
__all__ = ["small_city"]


def test_a_quarter_is_the_dashboard_on_its_last_day_beside_the_quarter_before(world: dict[str, Any]) -> None:
    city = Division.objects.get(pk="361100")
    data = reports.report_data(city, YEAR, 3)  # the clock is on 15 July: the quarter so far
    assert data.as_of == date(YEAR, 7, 15) and data.previous_label == "2027 年第 2 季度"
    board = selectors.dashboard(city, YEAR, as_of=date(YEAR, 7, 15))
    assert (data.summary["tasks"], data.summary["tasks_done"], data.summary["tasks_overdue"]) == (
        board.tasks, board.tasks_done, board.tasks_overdue) == (5, 1, 2)
    assert (data.summary["plans_on_time"], data.summary["plans_late"]) == (1, 2)
    assert data.summary["class_a_drawn"] == 2 and data.summary["filings"] == 3
    # On 30 June the June window had not closed: nothing overdue yet.
    assert data.previous["tasks_overdue"] == 0 and data.previous["tasks"] == 5
    change = {label: c for label, _, _, c in data.comparison()}
    assert change["逾期未完成的抽查任务（R-Q1）"] == 2
    missed = {m.key: m for m in data.missed}
    assert len(missed["late_plans"].rows) == 2 and len(missed["overdue_tasks"].rows) == 2
    assert {r[0] for r in missed["overdue_tasks"].rows} == {"市生态环境局"}
    assert all(not missed[k].rows for k in ("late_publications", "late_transfers", "late_objections"))
    env = Department.objects.get(code="361100-ENV")
    mine = reports.report_data(city, YEAR, 3, department=env)
    assert [r["department"] for r in mine.departments] == ["市生态环境局"]
    assert mine.summary["tasks"] == 3 and len(mine.missed[0].rows) == 1


def test_periods() -> None:
    assert [reports.period_end(2027, q) for q in (1, 2, 3, 4, 0)] == [
        date(2027, 3, 31), date(2027, 6, 30), date(2027, 9, 30), date(2027, 12, 31), date(2027, 12, 31)]
    assert reports.previous(2027, 1) == (2026, 4) and reports.previous(2027, 0) == (2026, 0)


def _pgm_dark_pixels(path: Path) -> int:
    """Pixels darker than light grey in a binary PGM (pdftoppm -gray)."""
    data = path.read_bytes()
    parts = data.split(maxsplit=4)  # P5, width, height, maxval, pixels
    assert parts[0] == b"P5"
    return sum(1 for b in parts[4] if b < 200)


def test_the_yearly_report_of_the_demo_year_as_pdf_and_xlsx(
        small_city: None, on_day: Any, make_user: Any, tmp_path: Path, output_dir: Path) -> None:
    summary = year_simulate(year=2027)
    assert summary.tasks > 0
    on_day(date(2028, 1, 20))
    office = make_user(Role.OFFICE, password_changed_at=clock.now())
    city = Division.objects.get(pk="361100")
    report = services.report_create(acting_user=office, division=city, year=2027)
    seen: list[tuple[int, int]] = []
    report = services.report_run(report.pk, progress=lambda d, t: seen.append((d, t)))
    assert report.status == "done" and seen == [(2, 4), (3, 4), (4, 4)]
    board = selectors.dashboard(city, 2027, as_of=date(2027, 12, 31))
    assert board.tasks == summary.tasks > 0

    # The PDF: its pages rendered as images, each with ink on it; its text in Chinese.
    pdf = Path(default_storage.path(report.pdf_path))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    # Figures and departments on the first page; the lists of what was missed from a new page.
    assert pages == 2
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.pgm"))
    assert len(images) == pages
    for image in images:
        assert _pgm_dark_pixels(image) > 2000, image
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(output_dir / "oversight-report-2027")],
                   check=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    first = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "监督报告" in first and "一、主要数据及与2026 年度比较" in first
    assert "三、未按期履职的情况" not in first and "三、未按期履职的情况" in text
    for row in board.active_rows:
        assert row.department.name in text
    assert "第2页共2页" in text.replace(" ", "")

    # The XLSX: reopened, its figures those of the dashboard's selector.
    book = openpyxl.load_workbook(default_storage.path(report.xlsx_path))
    sheet = book["主要数据"]
    figures = {r[0]: r[1] for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert figures["抽查任务（项）"] == board.tasks
    assert figures["已完成的抽查任务"] == board.tasks_done
    assert figures["逾期未完成的抽查任务（R-Q1）"] == board.tasks_overdue
    assert figures["按期提交的年度计划（R-P2）"] == board.plans_on_time
    assert figures["A 类库抽中户数（R-A2）"] == board.class_a_drawn == summary.class_a_drawn
    assert figures["C 类库本年有检查任务的户数（R-C2）"] == board.class_c_inspected
    assert figures["负担台账：实际入企次数（R-B3）"] == board.burden_visits
    depts = list(book["各部门"].iter_rows(min_row=2, values_only=True))
    headers = [c.value for c in book["各部门"][1]]
    col = headers.index("抽查任务")
    assert sum(r[col] for r in depts) == board.tasks
    assert sum(r[headers.index("已完成")] for r in depts) == board.tasks_done
    overdue = book["逾期未完成的抽查任务"]
    assert overdue.max_row - 1 == board.tasks_overdue
    # The year before had no plans nor tasks: the comparison shows this year's as the change.
    before = {r[0]: (r[2], r[3]) for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert before["抽查任务（项）"] == (0, board.tasks) and before["年度计划（个）"][0] == 0
    assert report.figures["summary"]["tasks"] == board.tasks


def test_a_notification_is_issued_kept_and_published_without_names_of_staff(
        world: dict[str, Any], make_user: Any, client: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    office = make_user(Role.OFFICE, display_name="李主任", password_changed_at=clock.now())
    city = Division.objects.get(pk="361100")
    report = services.report_run(services.report_create(acting_user=office, division=city, year=YEAR,
                                                        quarter=3).pk)
    with pytest.raises(ServiceError, match="标题"):
        services.notification_issue(acting_user=office, report=report, title=" ", body="正文")
    with pytest.raises(Refused):
        services.notification_issue(acting_user=make_user(Role.JUSTICE), report=report, title="t", body="b")
    note = services.notification_issue(acting_user=office, report=report, title="关于第三季度的通报",
                                       body="市生态环境局逾期未完成检查任务 2 项。经办人：李主任。")
    assert note.number == "市本级双随机监督通报〔2027〕1号" or note.number.endswith("〔2027〕1号")
    assert note.figures["departments"] and "李主任" not in str(note.figures)
    with pytest.raises(ServiceError, match="李主任"):
        services.notification_publish(acting_user=office, notification=note)
    assert client.get("/public/notifications/").content.decode().count("关于第三季度的通报") == 0
    Notification.objects.filter(pk=note.pk).update(
        body="市生态环境局逾期未完成检查任务 2 项，请于 8 月底前完成。")
    note.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):  # the portal's page cache is emptied
        services.notification_publish(acting_user=office, notification=note)
    with pytest.raises(Conflict):
        services.notification_publish(acting_user=office, notification=note)
    listing = client.get("/public/notifications/").content.decode()
    assert "关于第三季度的通报" in listing
    page = client.get(f"/public/notifications/{note.pk}/").content.decode()
    assert "市生态环境局" in page and "8 月底前" in page
    assert office.username not in page and "李主任" not in page
    second = services.notification_issue(acting_user=office, report=report, title="再次通报", body="正文")
    assert second.number.endswith("〔2027〕2号")


def test_bad_input_and_scope_are_refused(world: dict[str, Any], make_user: Any) -> None:
    office = make_user(Role.OFFICE)
    city = Division.objects.get(pk="361100")
    with pytest.raises(ServiceError, match="年度 1999"):
        services.report_create(acting_user=office, division=city, year=1999)
    with pytest.raises(ServiceError, match="季度 5"):
        services.report_create(acting_user=office, division=city, year=YEAR, quarter=5)
    with pytest.raises(ServiceError, match="尚未开始"):
        services.report_create(acting_user=office, division=city, year=YEAR, quarter=4)
    with pytest.raises(ServiceError, match="不属于"):
        services.report_create(acting_user=office, division=city, year=YEAR,
                               department=Department.objects.get(code="361102-SAMR"))
    with pytest.raises(Refused):
        services.report_create(acting_user=make_user(Role.JUSTICE), division=city, year=YEAR)
    with pytest.raises(Refused):  # a county office does not report on the city
        services.report_create(acting_user=make_user(Role.OFFICE, "361102-SAMR"), division=city, year=YEAR)
    services.report_create(acting_user=office, division=city, year=YEAR, quarter=2)
    with pytest.raises(Conflict, match="正在生成"):
        services.report_create(acting_user=office, division=city, year=YEAR, quarter=2)
    county = Division.objects.get(pk="361102")
    assert services.report_create(acting_user=office, division=county, year=YEAR).division_id == "361102"
    assert Report.objects.count() == 2


def test_the_pages_ask_show_progress_and_serve_the_files(
        world: dict[str, Any], make_user: Any, client: Any) -> None:
    office = make_user(Role.OFFICE, password_changed_at=clock.now())
    client.force_login(office)
    response = client.post("/oversight/reports/", {"division": "361100", "year": str(YEAR), "quarter": "9"})
    assert "季度 9 不正确" in response.content.decode() and not Report.objects.exists()
    response = client.post("/oversight/reports/", {"division": "361100", "department": "361100-ENV",
                                                   "year": str(YEAR), "quarter": "3"})
    assert response.status_code == 302
    report = Report.objects.get()
    html = client.get("/oversight/reports/").content.decode()
    assert 'http-equiv="refresh"' in html and "排队中" in html and "0/4" in html
    services.report_run(report.pk)
    html = client.get(f"/oversight/reports/{report.pk}/").content.decode()
    assert "已完成" in html and "4/4" in html and "市生态环境局" in html
    pdf = client.get(f"/oversight/reports/{report.pk}/file.pdf")
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = client.get(f"/oversight/reports/{report.pk}/file.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.sheetnames[:2] == ["主要数据", "各部门"]
    assert client.get(f"/oversight/reports/{report.pk}/file.exe").status_code == 404
    response = client.post(f"/oversight/reports/{report.pk}/", {"title": "通报", "body": ""})
    assert "正文不能为空" in response.content.decode()
    # The department's planner reads its own department's report, not the city's.
    client.force_login(world["planner"])
    assert client.get(f"/oversight/reports/{report.pk}/").status_code == 200
    city = services.report_create(acting_user=office, division=Division.objects.get(pk="361100"), year=YEAR)
    assert client.get(f"/oversight/reports/{city.pk}/").status_code == 403
    assert client.post(f"/oversight/reports/{report.pk}/", {"title": "t", "body": "b"}).status_code == 403
