"""The portal at / for visitors (R-S5): the regime explained, plans, results searchable by
name or USCC with their history, corrections, complaints; signed-in users keep their work
bench; each division's pages show its own records and the city's show all."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.planning.domain.review import Status
from spotcheck.planning.tests import factories as fp
from spotcheck.publicity import services
from spotcheck.publicity.models import PublishedResult
from spotcheck.publicity.tests.factories import ENV, PROBLEM, completed_task, signed_in

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_gets_the_portal_at_the_front_door_r_s5(client: Any) -> None:
    body = client.get(reverse("home")).content.decode()
    for words in ("双随机", "A类（联合监管库）", "C类（重点监管库）", "企业安静期", "verify_draw.py",
                  reverse("publicity:plans"), reverse("publicity:results"), reverse("catalog:public_items"),
                  reverse("publicity:complaint_create"), reverse("accounts:login")):
        assert words in body


def test_a_signed_in_user_keeps_the_work_bench(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.PLANNER))
    body = client.get(reverse("home")).content.decode()
    assert "工作台" in body and "企业安静期" not in body


def test_results_are_found_by_uscc_and_by_name_with_wording_date_departments_follow_up(
        on_day: Any, client: Any, make_user: Any) -> None:
    task = completed_task(on_day, results=[PROBLEM])
    other = completed_task(on_day)
    planner = make_user(Role.PLANNER, ENV)
    services.results_publish(acting_user=planner, tasks=[task, other])
    page = client.get(reverse("publicity:results"), {"q": task.uscc}).content.decode()
    assert task.uscc in page and other.uscc not in page
    assert "违反其他部门相关规定" in page and "2027-06-10" in page
    assert "市生态环境局" in page and "责令改正、日常监管跟踪" in page
    by_name = client.get(reverse("publicity:results"), {"q": task.entity.name}).content.decode()
    assert task.uscc in by_name and other.uscc not in by_name
    assert "暂无" in client.get(reverse("publicity:results"), {"q": "没有这家企业"}).content.decode()
    county = client.get(reverse("publicity:results"), {"division": "361102"}).content.decode()
    assert task.uscc not in county
    city = client.get(reverse("publicity:results"), {"division": "361100"}).content.decode()
    assert task.uscc in city and other.uscc in city
    api = client.get(reverse("api:publicity-results"), {"q": task.uscc}).json()
    assert len(api["results"]) == 1 and not api["has_next"] and api["results"][0]["result_code"] == "5"
    published = PublishedResult.objects.get(task=task)
    assert set(api["results"][0]) == set(services.public_record("result", published))


def test_a_correction_shows_with_its_history_and_reason(on_day: Any, client: Any, make_user: Any) -> None:
    task = completed_task(on_day, results=[PROBLEM])
    planner = make_user(Role.PLANNER, ENV)
    (first,) = services.results_publish(acting_user=planner, tasks=[task])
    second = services.result_correct(acting_user=planner, result=first, reason="复核后确认已改正",
                                     result_code="E", follow_up="无需后续处置")
    page = client.get(reverse("publicity:result", args=[second.pk])).content.decode()
    assert "第 2 版" in page and "第 1 版" in page and "复核后确认已改正" in page
    assert "发现问题经责令已改正" in page and "违反其他部门相关规定" in page
    old = client.get(reverse("publicity:result", args=[first.pk])).content.decode()
    assert "这是历史版本" in old and reverse("publicity:result", args=[second.pk]) in old
    listing = client.get(reverse("publicity:results"), {"q": task.uscc}).content.decode()
    assert "发现问题经责令已改正" in listing and "违反其他部门相关规定" not in listing
    corrections = client.get(reverse("publicity:corrections")).content.decode()
    assert "复核后确认已改正" in corrections
    assert client.get(reverse("publicity:result", args=[999999])).status_code == 404


def test_approved_plans_are_published_with_their_items_and_legal_basis_r_p3(
        client: Any, make_user: Any, on_day: Any) -> None:
    year = fp.this_year()
    on_day(date(year, 3, 1))
    planner, office, justice = make_user(Role.PLANNER), make_user(Role.OFFICE), make_user(Role.JUSTICE)
    draft = fp.plan(owner=planner, title="尚在审核的计划", status=Status.OFFICE_APPROVED, office=office)
    approved = fp.plan(owner=planner, title="已批准的生态环境计划", status=Status.APPROVED, office=office,
                       justice=justice)
    item = approved.plan_items.get().item
    page = client.get(reverse("publicity:plans"), {"year": year}).content.decode()
    assert approved.title in page and draft.title not in page
    assert item.name in page and item.basis in page and item.power_entry.code in page
    county = client.get(reverse("publicity:plans"), {"year": year, "division": "361102"}).content.decode()
    assert approved.title not in county


def test_the_publication_queue_publishes_a_batch_from_the_page(on_day: Any, client: Any, make_user: Any
                                                                ) -> None:
    tasks = [completed_task(on_day), completed_task(on_day)]
    client.force_login(signed_in(make_user, Role.DEPT_ADMIN, ENV))
    response = client.get(reverse("publication:queue"))
    page = response.content.decode()
    assert response.status_code == 200, page[:300]
    assert all(t.uscc in page for t in tasks) and "2027-06-30" in page
    response = client.post(reverse("publication:queue"), {"task": [str(t.pk) for t in tasks]}, follow=True)
    assert "已公示 2 项检查结果" in response.content.decode()
    response = client.post(reverse("publication:queue"), {"task": [str(tasks[0].pk)]}, follow=True)
    assert "已公示，更正请发布新版本" in response.content.decode()


def test_results_come_twenty_a_page_without_counting_them_all(client: Any) -> None:
    from spotcheck.publicity.tests.factories import published_result

    rows = [published_result() for _ in range(21)]
    first = client.get(reverse("publicity:results"), {"q": "上饶测试商贸"}).content.decode()
    assert "21 条" not in first and "20 条以上" in first
    # Keyset: the next page starts after the last result shown, by its id (no OFFSET).
    last_shown = rows[1]  # newest first, the same second: by id descending
    assert f"after={last_shown.pk}&amp;page=2" in first and rows[0].uscc not in first
    second = client.get(reverse("publicity:results"), {"q": "上饶测试商贸", "after": last_shown.pk, "page": 2}
                        ).content.decode()
    assert rows[0].uscc in second and "21 条" in second and "page=3" not in second
    assert rows[1].uscc not in second and "第一页" in second
    api_next = client.get(reverse("api:publicity-results"),
                          {"q": "上饶测试商贸", "after": last_shown.pk}).json()
    assert [r["uscc"] for r in api_next["results"]] == [rows[0].uscc] and api_next["has_next"] is False
    assert client.get(reverse("api:publicity-results"), {"after": "x"}).status_code == 400
    assert client.get(reverse("publicity:results"), {"page": "x"}).status_code == 200
    api = client.get(reverse("api:publicity-results"), {"q": "上饶测试商贸", "page": 2}).json()
    assert api["has_next"] is False and len(api["results"]) == 1
    nul = client.get(reverse("api:publicity-results"), {"q": "a\x00b", "division": "\x00"})
    assert nul.status_code == 400  # the API refuses NUL in its input, in its error shape
    assert "code" in nul.json()
    bad = client.get(reverse("api:publicity-results"), {"page": "0"})
    assert bad.status_code == 400 and bad.json()["fields"]["page"] == ["页码无效"]


def test_the_office_is_told_of_overdue_publications_on_its_home_page(
        on_day: Any, client: Any, make_user: Any) -> None:
    task = completed_task(on_day)
    on_day(date(2027, 7, 2))
    office = signed_in(make_user, Role.OFFICE)
    client.force_login(office)
    home = client.get(reverse("home")).content.decode()
    assert "逾期未公示的检查结果" in home and task.entity.name in home and "已逾期" in home
    queue = client.get(reverse("publication:queue")).content.decode()
    assert "已逾期" in queue and 'name="task"' not in queue  # the office sees, the department publishes
