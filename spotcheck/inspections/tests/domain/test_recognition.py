"""R-R3 (结果互认) rules without a database: who may adopt which earlier result."""

from __future__ import annotations

from datetime import date

from spotcheck.inspections.domain.recognition import Earlier, Wanted, best, matter_key, pairs, problems

TODAY = date(2027, 5, 15)
WANTED = Wanted(task_id=1, department_id=10, matters={matter_key("企业公示信息检查"): "企业公示信息检查"})


def earlier(**kw: object) -> Earlier:
    base: dict[str, object] = dict(task_id=2, department_id=20, department_name="市市场监管局",
                                   confirmed=True, visited_on=date(2027, 3, 10), recognised=False,
                                   matters={matter_key("企业公示信息检查"): "企业公示信息检查"})
    base.update(kw)
    return Earlier(**base)  # type: ignore[arg-type]


def test_r_r3_another_departments_confirmed_result_of_the_same_matter_in_the_period_is_adoptable() -> None:
    assert problems(WANTED, earlier(), today=TODAY, period_days=180) == []


def test_r_r3_the_same_matter_is_the_item_name_without_spaces_or_width() -> None:
    assert matter_key(" 企业公示信息 检查") == matter_key("企业公示信息检查")
    assert matter_key("ＡＢＣ检查") == matter_key("abc检查")
    assert matter_key("企业公示信息检查", "年报") != matter_key("企业公示信息检查")


def test_r_r3_refuses_a_result_of_the_same_department() -> None:
    found = problems(WANTED, earlier(department_id=10), today=TODAY, period_days=180)
    assert any("部门之间" in p for p in found)


def test_r_r3_refuses_an_unconfirmed_result() -> None:
    found = problems(WANTED, earlier(confirmed=False), today=TODAY, period_days=180)
    assert any("审核确认" in p for p in found)


def test_r_r3_refuses_a_result_outside_the_period_and_accepts_its_last_day() -> None:
    old = earlier(visited_on=date(2026, 11, 15))
    assert any("互认期限" in p for p in problems(WANTED, old, today=TODAY, period_days=180))
    last = earlier(visited_on=date(2026, 11, 16))  # exactly 180 days before
    assert problems(WANTED, last, today=TODAY, period_days=180) == []
    assert any("晚于今天" in p for p in problems(WANTED, earlier(visited_on=date(2027, 5, 16)), today=TODAY,
                                                 period_days=180))


def test_r_r3_refuses_a_result_of_another_matter_naming_the_missing_item() -> None:
    other = earlier(matters={matter_key("特种设备检查"): "特种设备检查"})
    found = problems(WANTED, other, today=TODAY, period_days=180)
    assert any("不含同一事项" in p and "企业公示信息检查" in p for p in found)


def test_r_r3_every_item_of_the_task_must_be_covered() -> None:
    two = Wanted(task_id=1, department_id=10, matters={matter_key("甲"): "甲", matter_key("乙"): "乙"})
    only_one = earlier(matters={matter_key("甲"): "甲"})
    assert any("乙" in p for p in problems(two, only_one, today=TODAY, period_days=180))


def test_r_r3_an_adopted_result_is_not_adopted_again() -> None:
    found = problems(WANTED, earlier(recognised=True), today=TODAY, period_days=180)
    assert any("互认所得" in p for p in found)


def test_r_r3_best_is_the_latest_adoptable_and_pairs_map_items_by_matter() -> None:
    a, b = earlier(task_id=2, visited_on=date(2027, 3, 1)), earlier(task_id=3, visited_on=date(2027, 4, 1))
    c = earlier(task_id=4, visited_on=date(2027, 5, 1), confirmed=False)
    found = [(e, problems(WANTED, e, today=TODAY, period_days=180)) for e in (a, b, c)]
    assert best(found) == b
    assert pairs({7: matter_key("甲"), 8: matter_key("乙")}, {matter_key("甲"): 70}) == {7: 70}
