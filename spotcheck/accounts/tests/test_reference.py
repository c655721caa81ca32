"""Reference data comes with ``migrate`` and follows the shipped files; the deploying city
is a setting (R-S1: the city's member units, mirrored in its counties)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from config.settings import _city_code
from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.services import reference_sync
from spotcheck.audit.models import AuditEvent
from spotcheck.core.reference import reference_dir
from spotcheck.registry.models import KeyFieldTag

pytestmark = pytest.mark.django_db


def _empty_reference_tables() -> None:
    Department.objects.all().delete()
    Division.objects.filter(parent__isnull=False).delete()
    Division.objects.all().delete()
    KeyFieldTag.objects.all().delete()


def test_migrate_on_an_empty_database_loads_divisions_departments_and_tags_r_s1() -> None:
    """A production install runs only ``migrate``: the first import needs the divisions."""
    _empty_reference_tables()
    out = io.StringIO()
    call_command("migrate", verbosity=1, stdout=out)
    assert Division.objects.count() == 13
    assert Division.objects.get(code="361102").parent_id == "361100"
    assert Department.objects.count() == 33 + 12 * 32
    assert Department.objects.get(code="361102-SAMR").hosts_office
    assert KeyFieldTag.objects.count() == 5
    assert "新增行政区划 13 个" in out.getvalue()
    before = AuditEvent.objects.count()
    call_command("migrate", verbosity=0)  # nothing changed: nothing written, nothing audited
    assert Department.objects.count() == 33 + 12 * 32 and AuditEvent.objects.count() == before


def test_reference_load_dry_run_lists_the_change_and_writes_nothing() -> None:
    Department.objects.filter(code="361102-ENV").update(name="旧名称")
    audited = AuditEvent.objects.filter(action="reference.load").count()
    out = io.StringIO()
    call_command("reference_load", "--dry-run", stdout=out)
    assert "更新部门 1 个：361102-ENV 信州区生态环境局" in out.getvalue()
    assert "试运行" in out.getvalue()
    assert Department.objects.get(code="361102-ENV").name == "旧名称"
    assert AuditEvent.objects.filter(action="reference.load").count() == audited
    call_command("reference_load", stdout=io.StringIO())
    assert Department.objects.get(code="361102-ENV").name == "信州区生态环境局"
    event = AuditEvent.objects.filter(action="reference.load").latest("seq")
    assert event.summary["departments_updated"] == 1 and event.summary["city"] == "361100"
    out = io.StringIO()
    call_command("reference_load", stdout=out)
    assert "无变化" in out.getvalue()


def test_reference_load_reports_a_division_dropped_from_the_file_and_keeps_it(
        tmp_path: Path, settings: Any) -> None:
    shutil.copytree(reference_dir(), tmp_path, dirs_exist_ok=True)
    rows = (tmp_path / "divisions.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "divisions.csv").write_text(
        "\n".join(r for r in rows if not r.startswith("361181")) + "\n", encoding="utf-8")
    settings.SPOTCHECK_REFERENCE_DIR = tmp_path
    changes = reference_sync(dry_run=True)
    assert changes.divisions_not_in_file == ["361181 德兴市"] and not changes.changed
    assert Division.objects.filter(code="361181").exists()


def _nanchang(tmp_path: Path) -> Path:
    shutil.copy(reference_dir() / "member_units.csv", tmp_path / "member_units.csv")
    (tmp_path / "divisions.csv").write_text(
        "code,name,kind\n361100,上饶市,city\n361102,信州区,district\n"
        "360100,南昌市,city\n360102,东湖区,district\n360121,南昌县,county\n", encoding="utf-8")
    return tmp_path


def test_another_city_code_loads_that_city_s_tree(tmp_path: Path, settings: Any) -> None:
    """The city is a setting, not code: SPOTCHECK_CITY=3601 loads Nanchang and its counties."""
    settings.SPOTCHECK_REFERENCE_DIR = _nanchang(tmp_path)
    settings.SPOTCHECK_CITY = _city_code("3601")
    out = io.StringIO()
    call_command("reference_load", stdout=out)
    assert "城市 360100" in out.getvalue()
    assert set(Division.objects.filter(code__startswith="3601").values_list("code", "parent_id")) == {
        ("360100", None), ("360102", "360100"), ("360121", "360100")}
    assert Department.objects.get(code="360100-SAMR").name == "市市场监管局"
    assert Department.objects.get(code="360102-SAMR").name == "东湖区市场监管局"
    # The development zone's committee (not named 市…) stays city-level.
    assert Department.objects.filter(division_id="360121").count() == 32
    # Shangrao's rows in the same file are not this deployment's.
    assert not Department.objects.filter(division_id="360100", name__contains="信州区").exists()


def test_a_city_missing_from_the_reference_file_is_refused_by_name(tmp_path: Path,
                                                                   settings: Any) -> None:
    settings.SPOTCHECK_REFERENCE_DIR = _nanchang(tmp_path)
    settings.SPOTCHECK_CITY = "360700"
    with pytest.raises(CommandError, match="没有设区市 360700"):
        call_command("reference_load", stdout=io.StringIO())
    assert not Division.objects.filter(code__startswith="3607").exists()


@pytest.mark.parametrize(("raw", "code"), [("3611", "361100"), ("361100", "361100"),
                                           (" 3601 ", "360100")])
def test_the_city_setting_takes_four_or_six_digits(raw: str, code: str) -> None:
    assert _city_code(raw) == code


@pytest.mark.parametrize("raw", ["361102", "360000", "上饶", "36110", ""])
def test_the_city_setting_refuses_what_is_not_a_city_code(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="SPOTCHECK_CITY"):
        _city_code(raw)


def test_pages_name_the_deploying_city_from_the_setting(client: Any, tmp_path: Path,
                                                        settings: Any) -> None:
    assert "上饶市市场监管部门联席会议办公室" in client.get("/public/").content.decode()
    settings.SPOTCHECK_REFERENCE_DIR = _nanchang(tmp_path)
    settings.SPOTCHECK_CITY = "360100"
    reference_sync()
    body = client.get("/public/").content.decode()
    assert "南昌市市场监管部门联席会议办公室" in body and "上饶" not in body


def test_migrate_stops_and_names_a_city_missing_from_the_reference_file(tmp_path: Path,
                                                                        settings: Any) -> None:
    settings.SPOTCHECK_REFERENCE_DIR = _nanchang(tmp_path)
    settings.SPOTCHECK_CITY = "360700"
    with pytest.raises(ImproperlyConfigured, match="没有设区市 360700"):
        call_command("migrate", verbosity=0)


def test_reference_sync_runs_the_step_registry_registers_and_counts_it_r_a1() -> None:
    """Registry registers its key-field vocabulary with accounts (``accounts.hooks``): the
    sync restores a missing tag, says so and audits the count; an office's own tag stays."""
    KeyFieldTag.objects.filter(pk=KeyFieldTag.objects.order_by("seq").values("pk")[:1]).delete()
    KeyFieldTag.objects.create(name="本地特色产业", seq=99)
    changes = reference_sync()
    assert changes.key_field_tags_created == 1 and "新增重点领域标签 1 个" in changes.lines()
    event = AuditEvent.objects.filter(action="reference.load").latest("seq")
    assert event.summary["key_field_tags_created"] == 1
    assert KeyFieldTag.objects.filter(name="本地特色产业").exists()
    assert reference_sync().key_field_tags_created == 0
