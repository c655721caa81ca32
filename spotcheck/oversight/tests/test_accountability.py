"""Accountability (R-S2) against a small year counted by hand: what each person and each
department was due to do, done on time (each done line citing its audit event), late, or
missed; the page for the office and a department's head, and its exports."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import openpyxl
import pytest

from spotcheck.accounts.models import Division
from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import ENTERPRISE_USCC
from spotcheck.audit.models import AuditEvent
from spotcheck.core import clock
from spotcheck.inspections import services as inspections
from spotcheck.inspections.tests import factories as fi
from spotcheck.oversight import accountability
from spotcheck.planning.tests import factories as fp
from spotcheck.publicity import services as publicity
from spotcheck.publicity.tests.factories import ENV, PROBLEM, completed_task

pytestmark = pytest.mark.django_db
YEAR = 2027


@pytest.fixture
def year(make_user: Any, on_day: Any) -> dict[str, Any]:
    """ENV: a plan submitted 1 March (on time); visit A (2 inspectors) done 10 June, its
    results published 12 June; visit B (2 inspectors) done 11 June, never published; task C
    (1 inspector) never visited in its June window; an objection to A's result filed
    15 June, never answered. SAMR: a plan never submitted. Judged on 31 July."""
    planner = make_user(Role.PLANNER, ENV, display_name="张计划")
    samr = make_user(Role.PLANNER, "361100-SAMR")
    on_day(date(YEAR, 3, 1))
    fp.plan(owner=planner, status="submitted", year=YEAR, items=[fp.item(year=YEAR)])
    fp.plan(owner=samr, year=YEAR, items=[fp.item("361100-SAMR", year=YEAR)])
    a = completed_task(on_day, entity=fi.entity(uscc=ENTERPRISE_USCC), results=[PROBLEM],
                       day=date(YEAR, 6, 10))
    completed_task(on_day, day=date(YEAR, 6, 11))
    on_day(date(YEAR, 6, 12))
    result = publicity.results_publish(acting_user=planner, tasks=[a])[0]
    draw = fi.executed_draw(ENV, [fi.entity()], team=fi.inspectors(ENV, 1))
    inspections.tasks_from_draw(draw=draw, plan=fi.plan(draw, fi.items(ENV, 1)))
    on_day(date(YEAR, 6, 15))
    publicity.objection_file(acting_user=make_user(Role.ENTERPRISE), result=result, reason="已当场改正")
    on_day(date(YEAR, 7, 31))
    return {"planner": planner, "samr": samr, "a": a}


def _tally(rows: list[accountability.Tally], name: str) -> tuple[int, int, int, int, int]:
    t = next(r for r in rows if r.name == name)
    return t.due, t.done, t.late, t.missed, t.open


def test_duties_per_department_and_person_are_those_counted_by_hand(year: dict[str, Any]) -> None:
    data = accountability.accountability(Division.objects.get(pk="361100"), YEAR)
    # ENV: plan 1 done; tasks A 2 + B 2 done, C 1 missed; publications A done, B missed;
    # the objection missed.
    assert _tally(data.departments, "市生态环境局") == (9, 6, 0, 3, 0)
    assert _tally(data.departments, "市市场监管局") == (1, 0, 0, 1, 0)
    kinds = {(d.kind, d.state) for d in data.duties if d.department == "市生态环境局"}
    assert kinds == {("plan", "done"), ("task", "done"), ("task", "missed"), ("publication", "done"),
                     ("publication", "missed"), ("objection", "missed")}
    # 尽职照单免责: every done line cites the audit event of the act.
    done = [d for d in data.duties if d.state == "done"]
    assert done and all(d.seq is not None for d in done)
    events = {e.seq: e for e in AuditEvent.objects.filter(seq__in=[d.seq for d in done])}
    for d in done:
        assert d.seq is not None
        assert events[d.seq].action == {"plan": "plan.submit", "task": "inspections.visit_complete",
                                        "publication": "publicity.results_publish"}[d.kind]
    # The planner: the plan and A's publication, both done, attributed by name.
    me = f"张计划（{year['planner'].username}）"
    assert _tally(data.people, me) == (2, 2, 0, 0, 0)
    assert {d.kind for d in data.of_person(me)} == {"plan", "publication"}
    # Each inspector of A and B did their visit; C's inspector missed it.
    inspectors = [t for t in data.people if "执法证" in t.name]
    assert len(inspectors) == 5
    assert sorted(t.missed for t in inspectors) == [0, 0, 0, 0, 1]
    # The unpublished result and the unanswered objection are the department's.
    assert _tally(data.people, accountability.DEPARTMENT) == (2, 0, 0, 2, 0)


def test_before_the_deadlines_the_duties_are_open_and_a_record_without_event_is_unproven(
        year: dict[str, Any]) -> None:
    data = accountability.accountability(Division.objects.get(pk="361100"), YEAR, as_of=date(YEAR, 6, 13))
    states = {(d.kind, d.state) for d in data.duties}
    assert ("task", "open") in states and ("objection", "missed") not in states
    # A visit marked completed without the act in the audit trail exempts no one.
    from spotcheck.inspections.models import InspectionTask

    c = InspectionTask.objects.filter(status="pending").get()
    InspectionTask.objects.filter(pk=c.pk).update(status="completed", completed_at=clock.now())
    data = accountability.accountability(Division.objects.get(pk="361100"), YEAR)
    env = next(t for t in data.departments if t.name == "市生态环境局")
    assert env.unproven == 1
    line = next(d for d in data.duties if d.kind == "task" and d.seq is None)
    assert not line.proven
    rows = list(accountability.export_rows(data))
    assert any("未见审计记录" in r for r in rows)


def test_the_page_for_the_office_and_the_department_head_with_exports(
        client: Any, year: dict[str, Any], make_user: Any) -> None:
    office = make_user(Role.OFFICE, password_changed_at=clock.now())
    client.force_login(office)
    html = client.get(f"/oversight/accountability/?year={YEAR}").content.decode()
    assert 'data-department="市生态环境局"' in html and 'data-figure="missed">3<' in html
    assert "data-seq=" not in html or "#" in html
    response = client.get(f"/oversight/accountability/?year={YEAR}&format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == accountability.HEADERS and len(rows) == 1 + 10
    assert sum(1 for r in rows if r[8] == "逾期未完成") == 4
    assert all(r[7].startswith("#") for r in rows[1:] if r[8] == "按期完成")
    response = client.get(f"/oversight/accountability/?year={YEAR}&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.active.max_row == 11
    # A department's head reads its own department only; a planner does not read it.
    head = make_user(Role.DEPT_ADMIN, ENV, password_changed_at=clock.now())
    client.force_login(head)
    html = client.get(f"/oversight/accountability/?year={YEAR}").content.decode()
    assert 'data-department="市生态环境局"' in html and "市市场监管局" not in html
    assert client.get(f"/oversight/accountability/?department=361100-SAMR&year={YEAR}").status_code == 403
    client.force_login(make_user(Role.PLANNER, ENV, password_changed_at=clock.now()))
    assert client.get("/oversight/accountability/").status_code == 403


@pytest.mark.parametrize("as_of", [date(YEAR, 6, 13), date(YEAR, 7, 31)])
def test_the_page_counts_in_the_database_what_the_record_counts_and_pages_it_in_order(
        year: dict[str, Any], as_of: date) -> None:
    """R-S2 at a division's size: the page counts the visits in SQL and reads a page of lines
    at a time; both agree with the whole record built line by line, a visit done without its
    audit event included."""
    from spotcheck.inspections.models import InspectionTask

    c = InspectionTask.objects.filter(status="pending").get()
    InspectionTask.objects.filter(pk=c.pk).update(status="completed", completed_at=clock.now())
    city = Division.objects.get(pk="361100")
    whole = accountability.accountability(city, YEAR, as_of=as_of)
    ledger = accountability.Ledger(city, YEAR, as_of=as_of)
    fields = ("name", "department", "due", "done", "late", "missed", "open", "unproven")

    def table(rows: list[accountability.Tally]) -> list[tuple[Any, ...]]:
        return [tuple(getattr(t, f) for f in fields) for t in rows]

    assert table(ledger.departments) == table(whole.departments)
    assert table(ledger.people) == table(whole.people)
    assert sum(t.unproven for t in ledger.departments) == 1
    key = ("kind", "what", "department", "person", "due", "done_at", "done_by", "seq", "state")
    expected = [tuple(getattr(d, k) for k in key) for d in whole.duties if d.state in ("missed", "late")]
    assert ledger.count(states=("missed", "late")) == len(expected)
    pages = [ledger.page(n, 2, states=("missed", "late")) for n in range(1, len(expected) // 2 + 2)]
    assert [tuple(getattr(d, k) for k in key) for p in pages for d in p] == expected
    assert [tuple(getattr(d, k) for k in key) for d in ledger.duties] == [
        tuple(getattr(d, k) for k in key) for d in whole.duties]
    inspector = next(t.name for t in whole.people if "执法证" in t.name)
    assert ledger.count(person=inspector) == len(whole.of_person(inspector)) >= 1
    mine = [d.what for d in whole.of_person(inspector)]
    assert [d.what for d in ledger.page(1, 100, person=inspector)] == mine


def test_the_page_lists_duties_and_people_a_page_at_a_time(
        client: Any, year: dict[str, Any], make_user: Any, monkeypatch: Any) -> None:
    """R-S2: a division's thousands of duties and people are paged; bad page numbers fall back
    to the nearest page; the export still holds every duty."""
    from spotcheck.oversight import views

    monkeypatch.setattr(views, "PAGE", 2)
    client.force_login(make_user(Role.OFFICE, password_changed_at=clock.now()))
    url = f"/oversight/accountability/?year={YEAR}"
    html = client.get(url).content.decode()
    # 4 duties missed (none late): two pages of two; the people, two a page.
    assert "共 4 项，第 1 / 2 页" in html and html.count('<tr data-state="missed">') == 2
    second = client.get(url + "&page=2").content.decode()
    assert "第 2 / 2 页" in second and second.count('<tr data-state="missed">') == 2
    assert "第 2 / 2 页" in client.get(url + "&page=99").content.decode()
    assert "第 1 / 2 页" in client.get(url + "&page=abc").content.decode()
    people = accountability.Ledger(Division.objects.get(pk="361100"), YEAR).people
    pages = -(-len(people) // 2)
    last = client.get(url + f"&people_page={pages}").content.decode()
    assert f"共 {len(people)} 人，第 {pages} / {pages} 页" in last
    rows = list(csv.reader(io.StringIO(b"".join(client.get(url + "&page=2&format=csv").streaming_content)
                                       .decode("utf-8-sig"))))
    assert len(rows) == 1 + 10
