"""The file of a visit (R-S6): notice, form with results, evidence, signatures, violations
and transfers, reviews, with an SM3 manifest of every part that verifies (and names a part
changed); one PDF (its pages rendered and looked at) and a zip; the office's export of a
department's year in the worker with progress; who may read a file."""

from __future__ import annotations

import subprocess
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import ENTERPRISE_USCC
from spotcheck.core import clock
from spotcheck.core.errors import Refused
from spotcheck.inspections import archive, archive_export, form_services, services, violations
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.models import ArchiveExport, JointInspection, TaskItem
from spotcheck.inspections.tests import factories as f

pytestmark = pytest.mark.usefixtures("spring")

ENV, SAMR = "361100-ENV", "361100-SAMR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 8


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")}}}
    return tmp_path / "media"


def _pixels(path: Path) -> list[tuple[int, int, int]]:
    image = Image.open(path).convert("RGB")
    return [image.getpixel((x, y)) for x in range(0, image.width, 2)  # type: ignore[misc]
            for y in range(0, image.height, 2)]


def _photo() -> bytes:
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def done(office: Any, make_user: Any, on_day: Any) -> dict[str, Any]:
    """A joint visit of ENV (lead) and SAMR, recorded with a photo, signed, one finding
    transferred to SAMR and acknowledged, confirmed by ENV."""
    team = make_user(Role.INSPECTOR, ENV), make_user(Role.INSPECTOR, ENV)
    joint = f.joint_of_two(office, team, uscc=ENTERPRISE_USCC, name="上饶档案样本有限公司")
    on_day(date(2027, 6, 10))
    rows = list(TaskItem.objects.filter(task__joint=joint).select_related("item__department").order_by("id"))
    problem = Entry(result_code="5", method="实地检查", follow_up="抄告相关部门", note="发现无证经营")
    entries = {r.pk: Entry(result_code="1", method="实地检查") for r in rows}
    entries[rows[0].pk] = problem
    form_services.evidence_add(acting_user=team[0], row=rows[0], name="现场.jpg", data=_photo(), size=10)
    services.visit_record(acting_user=team[0], visit=joint, entries=entries, complete=True, place="经营场所")
    for user in team:
        form_services.visit_sign(acting_user=user, visit=joint)
    form_services.visit_enterprise_sign(acting_user=team[0], visit=joint, representative="王五")
    env, samr = make_user(Role.PLANNER, ENV), make_user(Role.PLANNER, SAMR)
    v = violations.violation_record(acting_user=team[0], row=rows[0], severity="general",
                                    description="无证经营")
    v = violations.violation_transfer(acting_user=env, violation=v, to=f.dept(SAMR), reason="属市场监管职责")
    violations.violation_acknowledge(acting_user=samr, violation=v)
    services.visit_review(acting_user=env, visit=joint, confirm=True)
    return {"joint": JointInspection.objects.get(pk=joint.pk), "env": env, "team": team}


def test_the_file_has_every_part_and_its_manifest_verifies(done: dict[str, Any], tmp_path: Path) -> None:
    built = archive.build(done["joint"])
    expected = {"notice.json", "form.json", "signatures.json", "violations.json", "reviews.json"}
    assert expected <= set(built.parts)
    assert any(n.startswith("evidence/") for n in built.parts)
    assert archive.verify(built.manifest, built.parts) == []
    manifest, parts = archive.read_zip(archive.zip_bytes(built))
    assert archive.verify(manifest, parts) == []
    parts["form.json"] = parts["form.json"].replace(b"5", b"1")
    assert archive.verify(manifest, parts) == ["form.json 的 SM3 摘要不符"]
    del parts["reviews.json"]
    assert "缺少 reviews.json" in archive.verify(manifest, parts)
    assert "无证经营" in built.parts["violations.json"].decode() and "acknowledged" in built.parts[
        "violations.json"].decode()


def test_the_file_pdf_renders_pages_that_show_the_record(done: dict[str, Any], tmp_path: Path) -> None:
    built = archive.build(done["joint"])
    pdf = archive.pdf_bytes(built, "http://testserver/x")
    source = tmp_path / "archive.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(source), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p*.png"))
    assert len(pages) >= 2
    out = Path(__file__).resolve().parents[3] / "test-output"
    out.mkdir(exist_ok=True)
    for n, page in enumerate(pages, start=1):
        (out / f"archive-page{n}.png").write_bytes(page.read_bytes())
    for page in pages:  # every page has ink on it
        darkest: Any = Image.open(page).convert("L").getextrema()[0]
        assert darkest < 100
    # The photo is on a page: its red shows in colour.
    assert any(any(r > 150 and g < 80 and b < 80 for r, g, b in _pixels(p)) for p in pages)
    text = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, check=True).stdout.decode()
    for words in ("检查档案", "一、检查通知", "检查表及结果", "违法行为及移送", "主管部门已接收", "结果审核",
                  "档案清单", built.manifest["digest"]):
        assert words in text.replace("\n", "")


def test_who_may_read_a_file(client: Any, done: dict[str, Any], make_user: Any) -> None:
    url = reverse("inspections:archive", args=["joint", done["joint"].pk])
    cases = ((make_user(Role.ENTERPRISE), 200), (done["team"][0], 200), (done["env"], 200),
             (make_user(Role.ENTERPRISE, enterprise_uscc="91361100MA35OTHER8"), 403),
             (make_user(Role.INSPECTOR, ENV), 403), (make_user(Role.PLANNER, "361100-FIRE"), 403))
    for user, status in cases:
        type(user).objects.filter(pk=user.pk).update(password_changed_at=clock.now())
        client.force_login(user)
        assert client.get(url).status_code == status
    client.force_login(done["env"])
    response = client.get(reverse("inspections:archive_zip", args=["joint", done["joint"].pk]))
    manifest, parts = archive.read_zip(response.content)
    assert archive.verify(manifest, parts) == []


@pytest.mark.django_db(transaction=True)  # the worker's own connection, committed rows
def test_the_office_exports_a_department_s_year_in_the_worker(done: dict[str, Any], office: Any) -> None:
    with pytest.raises(Refused):
        archive_export.export_create(acting_user=done["env"], department=f.dept(ENV), year=f.YEAR)
    export = archive_export.export_create(acting_user=office, department=f.dept(ENV), year=f.YEAR)
    assert export.total == 1 and export.status == "queued"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    export = ArchiveExport.objects.get(pk=export.pk)
    assert export.status == "done" and export.done == export.total == 1 and export.percent == 100
    from django.core.files.storage import default_storage

    with default_storage.open(export.path, "rb") as fh, zipfile.ZipFile(fh) as zf:
        names = zf.namelist()
        assert any(n.endswith("/archive.pdf") for n in names)
        assert any(n.endswith("/manifest.json") for n in names)
