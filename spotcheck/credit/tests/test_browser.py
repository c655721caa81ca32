"""In a real browser (R-D1, R-D2, R-D3): a class-A entity found with a major violation in 2027
is proposed for C by the office's yearly run; the office confirms it on the page, and the 2028
class-A draw, executed by its parties, no longer includes it while a class-C plan's draw
selects it. A clean class-B
enterprise applies for A from its account; the office decides on the page; the enterprise
sees the outcome."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import ENTERPRISE_USCC
from spotcheck.core import clock
from spotcheck.credit import services
from spotcheck.credit.models import ReclassRun
from spotcheck.credit.tests.factories import confirmed_task, entity, violation
from spotcheck.demo.walk import draw_walk
from spotcheck.draws import services as draws
from spotcheck.draws.domain.spec import DrawSpec
from spotcheck.draws.models import Draw, Selection, SelectionState
from spotcheck.draws.selectors import population_queryset
from spotcheck.draws.tests.factories import approved_plan, make_entities, make_inspectors
from spotcheck.registry.models import ClassChange, MarketEntity
from spotcheck.registry.tests.test_browser import immediate_tasks, sign_in  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = 2027


def _population_2028(classes: str) -> set[str]:
    draw = Draw(division_id="361100", year=YEAR + 1)
    return set(population_queryset(draw, DrawSpec(classes=tuple(classes), quota={}))
               .values_list("uscc", flat=True))


def _drawn_2028(cls: str, *, owner: Any, office: Any, justice: Any, dept: str, total: int
                ) -> tuple[set[str], set[str]]:
    """A 2028 plan of the class, approved, its draw prepared and walked to its execution by
    its parties (``demo.walk``): the USCCs of its frozen population and of those selected."""
    spec: dict[str, Any] = {"classes": [cls], "strata": [], "quota": {"kind": "total", "total": total}}
    if cls == "C":  # the year's window, from a day ahead
        spec["window"] = {"start": f"{YEAR + 1}-03-01", "end": f"{YEAR + 1}-12-31"}
    plan = approved_plan(spec, dept=dept, year=YEAR + 1)
    draw = draw_walk(draws.draw_prepare(acting_user=owner, plan=plan), owner=owner, office=office,
                     justice=justice)
    assert draw.status == "executed"
    population = {line.split(",")[0] for line in (draw.files_dir / "population.csv").read_text().splitlines()}
    selected = set(Selection.objects.filter(draw=draw, state=SelectionState.SELECTED)
                   .values_list("uscc", flat=True))
    return population, selected


def test_a_major_violation_moves_a_to_c_and_a_clean_b_applies_for_a(
        page: Any, live_server: Any, make_user: Any, on_day: Any, immediate_tasks: None,  # noqa: F811
        output_dir: Path, browser: Any, settings: Any, tmp_path: Path) -> None:
    on_day(dt.date(YEAR + 1, 1, 15))
    settings.SPOTCHECK_DRAWS_DIR = str(tmp_path / "draws")
    office, justice, planner = make_user(Role.OFFICE), make_user(Role.JUSTICE), make_user(Role.PLANNER)
    enterprise = make_user(Role.ENTERPRISE)
    # the passwords count as changed on the moved clock's day
    type(office).objects.filter(pk__in=[office.pk, enterprise.pk]).update(password_changed_at=clock.now())
    a = entity("A", name="上饶示例化工有限公司")
    violation(confirmed_task(a, YEAR), "serious", by=office)
    assert a.uscc in _population_2028("A")
    # the rest of the library the 2028 draws are made from, and their inspectors
    others = {e.uscc for e in make_entities(20, cls="A")}
    make_inspectors(4, dept="361100-ENV", joint_pool=True)
    make_inspectors(4, dept="361100-SAMR", joint_pool=True)

    sign_in(page, live_server.url, office.username)
    page.goto(f"{live_server.url}/credit/runs/")
    page.fill("#id_year", str(YEAR))
    page.click("button:has-text('发起年度分类调整测算')")
    page.wait_for_selector("h1:has-text('年度分类调整')")
    run = ReclassRun.objects.get(year=YEAR)
    if run.status != "done":  # the worker's job, when the backend did not run it at once
        services.reclass_run_execute(run.pk)
        page.reload()
    row = page.locator(f"tr[data-uscc='{a.uscc}']")
    assert "A→C" in row.inner_text() and "R-D2" in row.inner_text()
    row.locator("input[name=proposal]").check()
    page.select_option("#id_decision", "confirm")
    page.fill("#id_reason", "检查发现严重违法行为，核实无误")
    page.click("button:has-text('提交决定')")
    page.wait_for_selector(".messages, .message, [role=status], body")
    summary = page.inner_text("main")
    assert "serious_violation" not in summary and "confirmed" not in summary  # words, not codes
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(output_dir / "credit-run-confirmed.png"), full_page=True)
    assert MarketEntity.objects.get(pk=a.pk).library_class == "C"
    assert ClassChange.objects.get(entity=a).source == "reclass"
    # R-D1: the 2028 draws, executed: the class-A joint draw no longer includes it, the
    # class-C plan's draw selects it
    population, selected = _drawn_2028("A", owner=office, office=office, justice=justice, dept="361100-SAMR",
                                       total=2)
    assert population == others and a.uscc not in selected and len(selected) == 2
    population, selected = _drawn_2028("C", owner=planner, office=office, justice=justice, dept="361100-ENV",
                                       total=1)
    assert population == selected == {a.uscc}
    page.goto(f"{live_server.url}/credit/entities/{a.pk}/")
    assert "A→C" in page.inner_text("table.history")

    # R-D3: a clean class-B enterprise applies from its own account
    b = entity("B", uscc=ENTERPRISE_USCC, name="上饶示例食品有限公司")
    confirmed_task(b, YEAR)
    context = browser.new_context(viewport={"width": 375, "height": 800})
    ent = context.new_page()
    sign_in(ent, live_server.url, enterprise.username)
    ent.goto(f"{live_server.url}/credit/entities/{b.pk}/")
    ent.fill("#id_reasons", "近三年检查未发现问题，纳税信用 A 级")
    pdf = output_dir / "纳税证明.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% test\n")
    ent.set_input_files("#id_attachments", str(pdf))
    ent.click("button:has-text('提交')")
    ent.wait_for_selector(".promotion-status:has-text('待核实')")

    page.goto(f"{live_server.url}/credit/promotions/")
    page.click(f"a:has-text('{b.name}')")
    assert "未发现问题" in page.inner_text("main") if page.locator("main").count() else True
    page.select_option("#id_decision", "approve")
    page.fill("#id_reason", "核实检查结果与信用记录，同意")
    page.click("button:has-text('提交决定')")
    page.wait_for_selector(".promotion-status:has-text('已同意')")
    assert MarketEntity.objects.get(pk=b.pk).library_class == "A"

    ent.reload()
    assert "已同意升入 A 类" in ent.inner_text(".promotions")
    ent.screenshot(path=str(output_dir / "credit-promotion-enterprise.png"), full_page=True)
    context.close()
