"""Home pages and menus: each user is led to what they must do next, by the shortest page,
and the menu shows only what the user's permissions allow."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.core import navigation
from spotcheck.draws.tests.factories import World
from spotcheck.inspections import services as inspections
from spotcheck.inspections.tests import factories as fi
from spotcheck.planning import services as planning
from spotcheck.planning.domain.review import Status
from spotcheck.planning.tests import factories as fp

pytestmark = pytest.mark.django_db
ENV = "361100-ENV"


@pytest.fixture
def world(make_user: Any, settings: Any, tmp_path: Path) -> World:
    settings.SPOTCHECK_DRAWS_DIR = str(tmp_path / "draws")
    return World(make_user)


def test_an_anonymous_visitor_lands_on_a_page_leading_to_the_public_portal_and_sign_in_r_s5(
        client: Any) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'href="{reverse("publicity:index")}"' in body
    assert f'href="{reverse("accounts:login")}' in body
    assert "双随机" in body


def test_a_signed_in_user_still_gets_the_work_bench(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.PLANNER))
    assert "工作台" in client.get(reverse("home")).content.decode()


def test_an_inspector_s_home_links_to_the_task_not_to_the_draw_page(client: Any, make_user: Any) -> None:
    account = make_user(Role.INSPECTOR, ENV)
    team = fi.inspectors(ENV, 2, user=account)
    draw = fi.executed_draw(ENV, [fi.entity(name="上饶首页样本有限公司")], team=team)
    inspections.tasks_from_draw(draw=draw, plan=fi.plan(draw, fi.items(ENV, 1)))
    task = draw.inspection_tasks.get()
    client.force_login(account)
    body = client.get(reverse("home")).content.decode()
    assert "上饶首页样本有限公司" in body
    assert reverse("inspections:task_form", args=[task.pk]) in body
    assert reverse("draws:detail", args=[draw.pk]) not in body


def test_a_planner_s_home_lists_approved_plans_awaiting_their_draw_and_the_commitments_owed_r_p3(
        client: Any, world: World, on_day: Any) -> None:
    on_day(date(fp.this_year(), 3, 1))
    waiting = fp.plan(owner=world.planner, status=Status.APPROVED, office=world.office,
                      justice=world.justice, title="等待抽取的计划")
    client.force_login(world.planner)
    body = client.get(reverse("home")).content.decode()
    assert "组织抽取：等待抽取的计划" in body
    assert reverse("planning:plan_detail", args=[waiting.pk]) in body
    planning.plan_draw_prepare(acting_user=world.planner, plan=waiting)
    body = client.get(reverse("home")).content.decode()
    assert "组织抽取：等待抽取的计划" not in body
    assert "提交承诺值：等待抽取的计划" in body


@pytest.mark.parametrize("role", [Role.ENTERPRISE])
def test_the_enterprise_menu_has_neither_the_api_docs_nor_the_entity_library(
        client: Any, make_user: Any, role: str) -> None:
    user = make_user(role, enterprise_uscc="91361100MA0000001X")
    urls = {item["url_name"] for item in navigation.items_for(user)}
    assert "api-docs" not in urls and "registry:entities" not in urls
    assert "inspections:notices" in urls
    client.force_login(user)
    body = client.get(reverse("home")).content.decode()
    assert "接口文档" not in body and "检查对象名录库" not in body


@pytest.mark.parametrize("role", [Role.PLANNER, Role.OFFICE])
def test_government_staff_keep_the_api_docs_and_the_entity_library_in_their_menu(
        make_user: Any, role: str) -> None:
    urls = {item["url_name"] for item in navigation.items_for(make_user(role))}
    assert {"api-docs", "registry:entities"} <= urls


def test_in_december_homes_ask_for_the_planning_year_s_roster_and_item_list_r_i3_r_l2(
        client: Any, make_user: Any, on_day: Any) -> None:
    year = fp.this_year()
    on_day(date(year, 12, 4))
    client.force_login(make_user(Role.DEPT_ADMIN))
    body = client.get(reverse("home")).content.decode()
    assert f"确认本部门 {year + 1} 年度执法检查人员名录" in body
    assert f"{reverse('roster:confirmations')}?year={year + 1}" in body
    assert f"报送 {year + 1} 年度" in body and f"报送 {year} 年度" not in body
