"""Pages and API of the entity library: scope, search, masking, exports, upload with a worker."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.core.imports.models import ImportJob, ImportStatus
from spotcheck.demo.registry import entity_rows
from spotcheck.registry.models import MarketEntity
from spotcheck.registry.tests.conftest import HEADERS
from spotcheck.registry.tests.factories import EntityFactory, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def entities(departments: Any) -> dict[str, MarketEntity]:
    return {
        "xinzhou": EntityFactory.create(uscc=make_uscc("361102"), division_id="361102", name="信州区甲公司"),
        "yushan": EntityFactory.create(uscc=make_uscc("361123"), division_id="361123", name="玉山县乙商店"),
        "formula": EntityFactory.create(uscc=make_uscc("361102"), division_id="361102",
                                        name="=HYPERLINK(\"http://x\")", address="@SUM(1)"),
    }


def test_a_county_user_sees_only_the_county(client: Any, make_user: Any, entities: Any) -> None:
    client.force_login(make_user(Role.INSPECTOR, "361123-ENV"))
    page = client.get(reverse("registry:entities")).content.decode()
    assert "玉山县乙商店" in page and "信州区甲公司" not in page
    assert client.get(reverse("registry:entity", args=[entities["xinzhou"].pk])).status_code == 403
    api = client.get(reverse("api:registry-entities")).json()
    assert [e["name"] for e in api["results"]] == ["玉山县乙商店"]


def test_search_by_uscc_is_exact_and_by_name_contains(client: Any, make_user: Any, entities: Any) -> None:
    client.force_login(make_user(Role.OFFICE))
    uscc = entities["yushan"].uscc
    page = client.get(reverse("registry:entities"), {"q": uscc.lower()}).content.decode()
    assert "玉山县乙商店" in page and "信州区甲公司" not in page
    page = client.get(reverse("registry:entities"), {"q": "甲公"}).content.decode()
    assert "信州区甲公司" in page and "玉山县乙商店" not in page
    page = client.get(reverse("registry:entities"), {"division": "361123"}).content.decode()
    assert "玉山县乙商店" in page and "信州区甲公司" not in page
    api = client.get(reverse("api:registry-entities"), {"q": uscc}).json()
    assert [e["uscc"] for e in api["results"]] == [uscc]


def test_pages_are_keyset_pages(client: Any, make_user: Any, departments: Any) -> None:
    for i in range(55):
        EntityFactory.create(uscc=make_uscc("361102"), name=f"第{i:02d}号")
    client.force_login(make_user(Role.OFFICE))
    first = client.get(reverse("registry:entities"))
    assert first.context["next_after"] is not None and len(first.context["rows"]) == 50
    second = client.get(reverse("registry:entities"), {"after": first.context["next_after"]})
    assert len(second.context["rows"]) == 5 and second.context["next_after"] is None
    names = {e.name for e in first.context["rows"]} | {e.name for e in second.context["rows"]}
    assert len(names) == 55


def test_personal_data_is_masked_for_staff_and_never_in_the_api(client: Any, make_user: Any,
                                                                entities: Any) -> None:
    client.force_login(make_user(Role.OFFICE))
    page = client.get(reverse("registry:entity", args=[entities["xinzhou"].pk])).content.decode()
    assert "1101**********002X" in page and "11010519491231002X" not in page
    assert "138****0000" in page and "13800000000" not in page
    data = client.get(reverse("api:registry-entity", args=[entities["xinzhou"].pk])).json()
    assert "legal_rep_secret" not in data and "11010519491231002X" not in str(data)
    masked = (data["legal_rep_id_masked"], data["legal_rep_phone_masked"])
    assert masked == ("1101**********002X", "138****0000")
    # at rest only the ciphertext: no column holds the number, whole or masked
    columns = {f.column for f in MarketEntity._meta.concrete_fields}
    assert not any("masked" in c for c in columns)
    csv_text = b"".join(client.get(reverse("registry:entity_export", args=["csv"])).streaming_content
                        ).decode("utf-8-sig")
    assert "1101**********002X" in csv_text and "11010519491231002X" not in csv_text


def test_an_enterprise_sees_only_its_own_entity(client: Any, make_user: Any, entities: Any) -> None:
    own = EntityFactory.create(uscc=make_uscc("361102"), name="自己的企业")
    client.force_login(make_user(Role.ENTERPRISE, enterprise_uscc=own.uscc))
    assert client.get(reverse("registry:entity", args=[own.pk])).status_code == 200
    assert client.get(reverse("registry:entity", args=[entities["xinzhou"].pk])).status_code == 403
    listed = client.get(reverse("api:registry-entities")).json()["results"]
    assert [e["name"] for e in listed] == ["自己的企业"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exports_contain_no_formula_and_follow_the_filters(client: Any, make_user: Any, entities: Any,
                                                           fmt: str) -> None:
    client.force_login(make_user(Role.DEPT_ADMIN))
    response = client.get(reverse("registry:entity_export", args=[fmt]), {"division": "361102"})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        cells = [c for row in sheet.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in cells)
        values = [c.value for c in cells]
        assert "=HYPERLINK(\"http://x\")" in values and "@SUM(1)" in values
    else:
        text = body.decode("utf-8-sig")
        assert "'=HYPERLINK" in text and "'@SUM(1)" in text
    assert "玉山县乙商店".encode() not in body


def test_the_office_decides_through_the_api_and_history_shows_it(client: Any, make_user: Any,
                                                                 entities: Any) -> None:
    client.force_login(make_user(Role.OFFICE))
    pk = entities["xinzhou"].pk
    bad = client.post(reverse("api:registry-entity-decide", args=[pk]), {"to_class": "C", "basis": "x"})
    assert bad.status_code == 400 and "重点监管领域" in bad.json()["message"]
    ok = client.post(reverse("api:registry-entity-decide", args=[pk]),
                     {"to_class": "C", "basis": "重大安全隐患", "c_field": "safety"})
    assert ok.status_code == 200
    history = client.get(reverse("api:registry-entity", args=[pk])).json()["class_history"]
    assert [(h["from_class"], h["to_class"], h["c_field"]) for h in history] == [("B", "C", "safety")]


def test_a_department_proposes_and_the_office_rejects_through_the_api(client: Any, make_user: Any,
                                                                      entities: Any) -> None:
    pk = entities["xinzhou"].pk
    client.force_login(make_user(Role.DEPT_ADMIN))
    created = client.post(reverse("api:registry-proposal-create", args=[pk]),
                          {"c_field": "quality", "basis": "抽检不合格"})
    assert created.status_code == 201
    client.force_login(make_user(Role.OFFICE))
    listed = client.get(reverse("api:registry-proposals"), {"status": "pending"}).json()["results"]
    assert [p["id"] for p in listed] == [created.json()["id"]]
    decided = client.post(reverse("api:registry-proposal-decide", args=[created.json()["id"]]),
                          {"accept": False, "reason": "证据不足"}, content_type="application/json")
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"


def _upload(rows: list[list[str]]) -> SimpleUploadedFile:
    import csv

    buf = io.StringIO()
    csv.writer(buf).writerows([HEADERS, *rows])
    return SimpleUploadedFile("主体.csv", buf.getvalue().encode(), content_type="text/csv")


def test_upload_runs_in_the_background_and_shows_progress(client: Any, make_user: Any, departments: Any,
                                                          settings: Any, tmp_path: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path
    client.force_login(make_user(Role.DEPT_ADMIN))
    rows = list(entity_rows(5, seed=3))
    rows[1][6] = "999999"
    with pytest.MonkeyPatch.context() as mp:
        # The immediate backend runs the task on commit; the test transaction never commits.
        mp.setattr("django.db.transaction.on_commit", lambda fn, **kw: fn())
        response = client.post(reverse("registry:import"), {"file": _upload(rows), "mode": "upsert"})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_job", args=[job.pk])
    assert (job.status, job.inserted, job.rejected) == (ImportStatus.SUCCEEDED, 4, 1)
    fragment = client.get(reverse("registry:import_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in fragment and "下载错误报告" in fragment
    report = client.get(reverse("registry:import_report", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert [c.value for c in next(sheet.iter_rows(min_row=2))][:2] == ["3", "行政区划代码"]


def test_a_first_load_in_progress_shows_the_rows_read_and_what_it_means(client: Any, make_user: Any,
                                                                         departments: Any) -> None:
    user = make_user(Role.DEPT_ADMIN)
    client.force_login(user)
    job = ImportJob.objects.create(kind="registry.entity", file_name="全省.csv", file_path="/dev/null",
                                   status=ImportStatus.RUNNING, rows_total=1_000_000, rows_pending=250_000,
                                   created_by=user, department_code=user.department.code)
    fragment = client.get(reverse("registry:import_progress", args=[job.pk])).content.decode()
    assert "首次装载" in fragment and "250000" in fragment and "25%" in fragment
    assert "hx-trigger" in fragment  # still polling
    job.status, job.rows_pending = ImportStatus.FAILED, 0
    job.save()
    assert "首次装载" not in client.get(reverse("registry:import_progress", args=[job.pk])).content.decode()


def test_a_refused_upload_says_why_on_the_page(client: Any, make_user: Any, departments: Any,
                                               settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    client.force_login(make_user(Role.OFFICE))
    fake = SimpleUploadedFile("主体.xlsx", b"not a workbook", content_type="application/octet-stream")
    page = client.post(reverse("registry:import"), {"file": fake, "mode": "upsert"}).content.decode()
    assert "文件被拒绝，未写入任何数据" in page and "不是 XLSX 工作簿" in page
    assert MarketEntity.objects.count() == 0


def test_templates_download(client: Any, make_user: Any, departments: Any) -> None:
    client.force_login(make_user(Role.DEPT_ADMIN))
    csv_body = client.get(reverse("registry:import_template", args=["csv"])).content.decode("utf-8-sig")
    assert csv_body.splitlines()[0] == ",".join(HEADERS)
    xlsx = client.get(reverse("registry:import_template", args=["xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in next(book.active.iter_rows())] == HEADERS
    assert "填写说明" in book.sheetnames


@pytest.mark.django_db(transaction=True)
def test_a_real_database_worker_runs_the_import(client: Any, make_user: Any, departments: Any,
                                                settings: Any, tmp_path: Any) -> None:
    """The queue is the database backend and the job is taken by `manage.py db_worker`."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.VAR_DIR = tmp_path
    client.force_login(make_user(Role.DEPT_ADMIN))
    client.post(reverse("registry:import"), {"file": _upload(list(entity_rows(7, seed=4))), "mode": "upsert"})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.PENDING
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    job.refresh_from_db()
    assert (job.status, job.inserted) == (ImportStatus.SUCCEEDED, 7)
    assert MarketEntity.objects.count() == 7


def test_a_stalled_import_offers_to_continue_and_continues(client: Any, make_user: Any, departments: Any,
                                                           settings: Any, tmp_path: Any) -> None:
    """A worker that died leaves the job running without progress; "从断点继续" queues it again."""
    import datetime as dt

    from spotcheck.core import clock
    from spotcheck.core.imports import jobs
    from spotcheck.registry.imports import ENTITY_IMPORT

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    admin = make_user(Role.DEPT_ADMIN)
    path = tmp_path / "e.csv"
    path.write_bytes(_upload(list(entity_rows(4, seed=6))).read())
    job = jobs.import_job_create(spec=ENTITY_IMPORT, acting_user=admin, path=path)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING,
                                               heartbeat_at=clock.now() - dt.timedelta(minutes=5))
    client.force_login(admin)
    fragment = client.get(reverse("registry:import_progress", args=[job.pk])).content.decode()
    assert "从断点继续" in fragment and "hx-trigger" not in fragment
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda fn, **kw: fn())
        client.post(reverse("registry:import_resume", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.inserted) == (ImportStatus.SUCCEEDED, 4)
    client.force_login(make_user(Role.DEPT_ADMIN, "361100-HEALTH"))  # another department
    assert client.get(reverse("registry:import_job", args=[job.pk])).status_code == 403


def test_a_running_import_is_polled(client: Any, make_user: Any, departments: Any, tmp_path: Any) -> None:
    from spotcheck.core.imports import jobs
    from spotcheck.registry.imports import ENTITY_IMPORT

    admin = make_user(Role.DEPT_ADMIN)
    path = tmp_path / "e.csv"
    path.write_bytes(_upload(list(entity_rows(2, seed=6))).read())
    job = jobs.import_job_create(spec=ENTITY_IMPORT, acting_user=admin, path=path)
    client.force_login(admin)
    page = client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("registry:import_progress", args=[job.pk])}"' in page
    assert 'hx-trigger="every 1s"' in page
