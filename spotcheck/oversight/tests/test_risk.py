"""Results across departments (R-R3) and risk warnings (R-R4), counted by hand on a small
world: entity X found in violation by ENV (serious) and SAMR (general), entity Y by ENV
alone, entity Z inspected by SAMR and clean; all in section F (wholesale and retail)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.inspections.models import InspectionTask, TaskItem, Violation, ViolationStatus
from spotcheck.inspections.tests import factories as fi
from spotcheck.inspections.tests.recognition_world import ENV, SAMR, done, item, task_of
from spotcheck.oversight import risk

pytestmark = pytest.mark.django_db
YEAR = fi.YEAR
AT = datetime(YEAR, 6, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def _found(owner: str, entity: Any, *, severity: str, name: str, user: Any,
           status: str = ViolationStatus.OPEN) -> InspectionTask:
    task = task_of(owner, entity, [item(owner, f"{owner}事项")])
    done(task, visited_on=date(YEAR, 6, 10), result="5", name=name)
    row = TaskItem.objects.get(task=task)
    Violation.objects.create(task_item=row, task=task, department=task.department,
                             division_id=task.division_id, uscc=task.uscc, severity=severity,
                             description="违法事实", status=status,
                             judicial_organ="上饶市公安局" if status == ViolationStatus.JUDICIAL else "",
                             created_at=AT, created_by=user)
    return task


@pytest.fixture
def world(make_user: Any, on_day: Any) -> dict[str, Any]:
    on_day(date(YEAR, 7, 1))
    finder = make_user(Role.INSPECTOR, ENV)
    x, y, z = fi.entity(name="上饶甲商贸有限公司"), fi.entity(name="上饶乙商贸有限公司"), fi.entity()
    _found(ENV, x, severity="serious", name="未按规定公示信息", user=finder)
    _found(SAMR, x, severity="general", name="销售不合格产品", user=finder)
    _found(ENV, y, severity="general", name="未按规定公示信息", user=finder, status=ViolationStatus.JUDICIAL)
    done(task_of(SAMR, z, [item(SAMR, "公示")]), visited_on=date(YEAR, 6, 11))
    return {"x": x, "y": y, "z": z}


def test_r_r4_flags_an_entity_and_a_field_found_by_two_departments_with_the_figures(world: Any) -> None:
    w = risk.risk_warnings("361100", YEAR)
    assert w.findings == 3 and w.threshold == 2
    assert [e.uscc for e in w.entities] == [world["x"].uscc]  # Y: one department only
    flag = w.entities[0]
    assert (flag.findings, flag.serious, len(flag.departments)) == (2, 1, 2)
    assert set(flag.kinds) == {"未按规定公示信息", "销售不合格产品"}
    [field] = w.fields
    assert field.field == "F" and field.field_label.startswith("F ")
    assert (field.findings, field.entities, field.departments, field.inspected) == (3, 2, 2, 3)
    assert field.rate_percent == pytest.approx(66.7)
    by_kind = {(k.kind, k.severity): (k.findings, k.entities, k.departments) for k in w.kinds}
    assert by_kind[("未按规定公示信息", "serious")] == (1, 1, 1)
    assert by_kind[("未按规定公示信息", "general")] == (1, 1, 1)
    assert by_kind[("销售不合格产品", "general")] == (1, 1, 1)


def test_r_r4_another_year_or_division_has_no_flags(world: Any) -> None:
    assert risk.risk_warnings("361100", YEAR + 1).findings == 0
    assert risk.risk_warnings("361102", YEAR).findings == 0  # the violations are the city's


def test_r_r3_joint_punishment_lists_serious_and_judicial_violations(world: Any) -> None:
    rows = {r.uscc: r for r in risk.joint_punishment("361100", YEAR)}
    assert set(rows) == {world["x"].uscc, world["y"].uscc}  # Y: handed to the judicial organs
    assert rows[world["x"].uscc].violations == 1  # the general one of SAMR is no violation of trust
    assert rows[world["y"].uscc].kinds == ["未按规定公示信息（一般，已移送司法机关）"]


def test_r_r3_every_planner_sees_the_joint_punishment_page_and_the_office_the_risk_page(
        world: Any, client: Any, make_user: Any) -> None:
    fi.login(client, make_user(Role.PLANNER, "361100-SAMR"))
    page = client.get(reverse("oversight:joint_punishment") + f"?year={YEAR}").content.decode()
    assert world["x"].uscc in page and world["y"].uscc in page
    assert client.get(reverse("oversight:risk_warnings")).status_code == 403
    fi.login(client, make_user(Role.OFFICE))
    page = client.get(reverse("oversight:risk_warnings") + f"?year={YEAR}").content.decode()
    assert "data-entity-flags" in page and world["x"].uscc in page and world["y"].uscc not in page.split(
        "data-field-flags")[0]
    api = client.get(reverse("api:oversight-risk-warnings") + f"?year={YEAR}").json()
    assert [e["uscc"] for e in api["entity_flags"]] == [world["x"].uscc]
    assert api["field_flags"][0]["inspected"] == 3


def test_r_r3_a_planner_looks_up_the_results_of_every_department_before_planning(
        world: Any, client: Any, make_user: Any) -> None:
    fi.login(client, make_user(Role.PLANNER, ENV))
    page = client.get(reverse("oversight:entity_results") + f"?uscc={world['x'].uscc}").content.decode()
    assert "市市场监管局" in page and "销售不合格产品" in page and "未按规定公示信息" in page
    missing = client.get(reverse("oversight:entity_results") + "?uscc=91360000000000000X").content.decode()
    assert "统一社会信用代码" in missing and "没有该市场主体" in missing
    api = client.get(reverse("api:oversight-entity-results") + f"?uscc={world['x'].uscc}")
    assert {r["department"] for r in api.json()} == {ENV, SAMR}
    bad = client.get(reverse("api:oversight-entity-results"))
    assert bad.status_code == 400 and "uscc" in bad.json()["fields"]
    bad_year = client.get(reverse("api:oversight-joint-punishment") + "?year=abc")
    assert bad_year.status_code == 400 and "year" in bad_year.json()["fields"]


def test_the_schema_documents_the_new_endpoints_with_the_error_shape(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.OFFICE))
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in ("/api/v1/oversight/results/", "/api/v1/oversight/joint-punishment/",
                 "/api/v1/oversight/risk/", "/api/v1/inspections/tasks/{id}/results/"):
        assert "get" in paths[path], path
    recognise = paths["/api/v1/inspections/tasks/{id}/recognise/"]["post"]["responses"]
    assert {"201", "400", "403", "409"} <= set(recognise)
    assert recognise["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_the_risk_reads_take_a_fixed_number_of_queries(world: Any, make_user: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as warnings:
            risk.risk_warnings("361100", YEAR)
        with CaptureQueriesContext(connection) as punished:
            risk.joint_punishment("361100", YEAR)
        return len(warnings), len(punished)

    before = count()
    finder = make_user(Role.INSPECTOR, ENV)
    for _ in range(3):  # three more entities flagged by two departments, with serious findings
        e = fi.entity()
        _found(ENV, e, severity="serious", name="未按规定公示信息", user=finder)
        _found(SAMR, e, severity="serious", name="销售不合格产品", user=finder)
    assert len(risk.risk_warnings("361100", YEAR).entities) == 4
    assert count() == before
