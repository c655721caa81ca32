"""The draw lifecycle through its services: every step, every refusal (each one audited)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.draws import services
from spotcheck.draws.models import BeaconValue, Commitment, Draw, DrawResult, Party, Selection, SelectionState
from spotcheck.draws.tests.factories import (
    BEACON,
    SECRETS,
    World,
    approved_plan,
    b_spec,
    make_entities,
    make_inspectors,
    new_uscc,
)
from spotcheck.registry.models import MarketEntity
from spotcheck.roster.models import Conflict as RosterConflict
from verifier import verify_draw as vd

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TEAM = {"slots": [{"dept": "361100-ENV", "tag": "*"}, {"dept": "361100-ENV", "tag": "*"}], "cap_slack": 1}


def audited(action: str, outcome: str = Outcome.DENIED) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-seq").first()
    assert event is not None, f"no audit event {action}"
    assert event.outcome == outcome, (event.outcome, event.summary)
    return event


def refused(exc_type: type[Exception], match: str, fn: Any, /, *args: Any, **kwargs: Any) -> Exception:
    with pytest.raises(exc_type, match=match) as info:
        fn(*args, **kwargs)
    return info.value


@pytest.fixture
def population(db: Any) -> list[MarketEntity]:
    return make_entities(12, division="361102") + make_entities(8, division="361103")


# --- prepare ------------------------------------------------------------------------------


def test_a_department_prepares_its_own_class_b_draw_with_three_parties(world: World, population: Any) -> None:
    draw = world.prepare()
    assert draw.status == "prepared" and draw.code == f"361100-{draw.year}-{draw.pk:05d}"
    assert [(c.party, c.department.code) for c in draw.commitments.all()] == [
        ("office", "361100-SAMR"), ("justice", "361100-JUS"), ("department", "361100-ENV")]
    assert audited("draw.prepare", Outcome.SUCCESS).summary["spec"]["classes"] == ["B"]


def test_only_the_office_organises_class_a_draws(world: World) -> None:  # R-A2
    refused(Refused, "只有联席办", world.prepare, spec=b_spec(classes=["A"]))
    assert audited("draw.prepare").summary["code"] == "permission_denied"
    draw = world.prepare(spec=b_spec(classes=["A"]), by=world.office, dept="361100-SAMR")
    assert draw.is_class_a and [c.party for c in draw.commitments.all()] == ["office", "justice"]
    refused(ServiceError, "联席办所在部门", world.prepare, spec=b_spec(classes=["A"]), by=world.office)


def test_a_planner_prepares_only_for_their_own_department(world: World) -> None:
    refused(Refused, "本部门", world.prepare, dept="361100-HEALTH")
    audited("draw.prepare")


def test_a_bad_specification_names_its_fields(world: World) -> None:
    exc = refused(ServiceError, "抽取规则", world.prepare, spec={"classes": ["B"], "quota": {"kind": "x"}})
    assert "quota" in exc.fields  # type: ignore[attr-defined]
    audited("draw.prepare", Outcome.FAILURE)


def test_a_draw_takes_its_team_window_and_quota_from_its_plan_only(world: World) -> None:  # R-P3
    plan = approved_plan(b_spec())
    other_team = {"slots": [{"dept": "361100-ENV", "tag": "*"}, {"dept": "361100-HEALTH", "tag": "*"}]}
    march = {"start": f"{plan.year}-03-01", "end": f"{plan.year}-03-31"}
    for given, field in ((b_spec(team=other_team), "team"),
                         (b_spec(quota={"kind": "total", "total": 9}), "quota"),
                         (b_spec(window=march), "window")):
        exc = refused(ServiceError, f"继承计划 {plan.code}", services.draw_prepare, acting_user=world.planner,
                      plan=plan, title="t", spec=given)
        assert field in exc.fields  # type: ignore[attr-defined]
        audited("draw.prepare", Outcome.FAILURE)
    draw = services.draw_prepare(acting_user=world.planner, plan=plan, spec={"hash": "sm3"})
    assert draw.hash_name == "sm3" and draw.title == plan.title
    assert [s["dept"] for s in draw.spec["team"]["slots"]] == ["361100-ENV", "361100-ENV"]
    assert (draw.window_start, draw.window_end) == (plan.window_start, plan.window_end)


def test_divisions_stay_inside_the_organisers_division(world: World, make_user: Any) -> None:
    refused(ServiceError, "不在上饶市范围内", world.prepare, spec=b_spec(divisions=["360100"]))
    refused(ServiceError, "重点领域", world.prepare, spec=b_spec(tags=["不存在的领域"]))


def test_an_exclusion_list_with_a_bad_code_is_refused_by_row(world: World) -> None:
    exc = refused(ServiceError, "校验位", world.prepare, excluded_usccs=["91361100MA35A1B2C0"])
    assert "excluded_usccs" in exc.fields  # type: ignore[attr-defined]


# --- commitments --------------------------------------------------------------------------


def test_each_party_commits_for_itself(world: World) -> None:
    draw = world.prepare()
    refused(Refused, "每一方只能由本方人员操作", services.draw_commit, acting_user=world.justice, draw=draw,
            party=Party.OFFICE, secret=SECRETS[Party.OFFICE])
    audited("draw.commit")
    commitment, generated = services.draw_commit(acting_user=world.justice, draw=draw,
                                                 secret=SECRETS[Party.JUSTICE])
    assert commitment.party == Party.JUSTICE and generated is None
    assert commitment.commit == vd.commitment("sha256", SECRETS[Party.JUSTICE].encode())


def test_a_generated_secret_is_shown_once_and_never_stored(world: World) -> None:
    draw = world.prepare()
    commitment, secret = services.draw_commit(acting_user=world.planner, draw=draw)
    assert secret and len(secret) == 32 and commitment.generated
    assert commitment.commit == vd.commitment("sha256", secret.encode())
    stored = json.dumps(list(Commitment.objects.values()), default=str) + json.dumps(
        list(AuditEvent.objects.values_list("summary", flat=True)))
    assert secret not in stored


def test_a_weak_or_reused_secret_is_refused(world: World) -> None:
    draw = world.prepare()
    exc = refused(ServiceError, "至少 16 个字符", services.draw_commit, acting_user=world.office, draw=draw,
                  secret="123456")
    assert "secret" in exc.fields  # type: ignore[attr-defined]
    services.draw_commit(acting_user=world.office, draw=draw, secret="the-same-secret-for-two")
    refused(ServiceError, "与其他承诺方的相同", services.draw_commit, acting_user=world.justice, draw=draw,
            secret="the-same-secret-for-two")
    audited("draw.commit", Outcome.FAILURE)


def test_commitments_are_frozen_by_the_announcement(world: World, population: Any) -> None:
    draw = world.announce(world.prepare())
    refused(Conflict, "承诺值已冻结", services.draw_commit, acting_user=world.office, draw=draw,
            secret="another-secret-value-1")
    audited("draw.commit")


# --- announce -----------------------------------------------------------------------------


def test_the_announcement_needs_every_commitment(world: World, population: Any) -> None:
    draw = world.prepare()
    services.draw_commit(acting_user=world.office, draw=draw, secret=SECRETS[Party.OFFICE])
    refused(ServiceError, "司法局", services.draw_announce, acting_user=world.planner, draw=draw)
    audited("draw.announce", Outcome.FAILURE)
    assert Draw.objects.get(pk=draw.pk).status == "prepared"


def test_the_announcement_freezes_population_roster_and_conflicts(world: World, population: Any) -> None:
    make_entities(1, division="361102", status="deregistered")
    make_entities(1, division="361102", status="revoked")
    make_entities(1, division="361102", status="moved_out")
    make_entities(3, division="361102", cls="C")
    excluded = population[0].uscc
    inspectors = make_inspectors(4, tags=("food",))
    RosterConflict.objects.create(inspector=inspectors[0], uscc=population[1].uscc, reason="亲属",
                                  declared_at=clock.now())
    RosterConflict.objects.create(inspector=inspectors[1], uscc=new_uscc(), reason="不在范围内",
                                  declared_at=clock.now())
    draw = world.announce(world.prepare(spec=b_spec(team=TEAM), excluded_usccs=[excluded]))
    assert draw.status == "announced"
    a = json.loads(draw.announcement)
    pop = (draw.files_dir / "population.csv").read_bytes()
    lines = pop.decode().splitlines()
    assert len(lines) == 19 == a["population"]["size"] == draw.population_size  # 20 B minus the excluded
    assert excluded not in pop.decode() and lines == sorted(lines)
    assert {line.split(",")[1] for line in lines} == {"B.361102", "B.361103"}
    assert vd.digest("sha256", pop).hex() == a["population"]["digest"]
    assert a["quota"] == {"kind": "counts", "counts": {"B.361102": 2, "B.361103": 2}}
    roster = (draw.files_dir / "roster.csv").read_text()
    assert roster.splitlines() == sorted(f"{i.certificate_no},361100-ENV,food" for i in inspectors)
    conflicts = (draw.files_dir / "conflicts.csv").read_text()
    assert conflicts == f"{population[1].uscc},{inspectors[0].certificate_no}\n"
    assert vd.announcement_digest("sha256", a).hex() == draw.announcement_digest
    assert [c["name"] for c in a["commitments"]] == ["联席办（市市场监管局）", "市司法局", "市生态环境局"]
    event = audited("draw.announce", Outcome.SUCCESS)
    assert event.summary["announcement_digest"] == draw.announcement_digest


def test_strata_by_risk_level(world: World) -> None:
    make_entities(5, risk="high")
    make_entities(5, risk="low")
    draw = world.announce(world.prepare(spec=b_spec(strata=["risk"], risk_levels=["high", "low"])))
    assert draw.strata_sizes == {"risk.high": 5, "risk.low": 5}


def test_class_a_draws_stay_within_ten_percent_a_year(world: World) -> None:  # R-A2
    make_entities(40, cls="A")
    spec = b_spec(classes=["A"], strata=[], quota={"kind": "total", "total": 5})
    refused(ServiceError, "R-A2", world.prepare, spec=spec, by=world.office, dept="361100-SAMR")
    audited("draw.prepare", Outcome.FAILURE)
    ok = world.prepare(spec=b_spec(classes=["A"], strata=[], quota={"kind": "rates", "rounding": "floor",
                                                                     "default_bp": 1000}),
                       by=world.office, dept="361100-SAMR")
    assert ok.planned_count == 4
    one = b_spec(classes=["A"], strata=[], quota={"kind": "total", "total": 1})
    # A prepared draw holds its share: a second one is refused before either is executed.
    refused(ServiceError, "本年已抽取及已准备抽取 4 户", world.prepare, spec=one, by=world.office,
            dept="361100-SAMR")
    world.announce(ok)
    world.reveal(ok)
    world.execute(ok)
    assert DrawResult.objects.get(draw=ok).selected_count == 4
    refused(ServiceError, "本年已抽取及已准备抽取 4 户", world.prepare, spec=one, by=world.office,
            dept="361100-SAMR")


def test_a_beacon_must_not_exist_yet_at_the_announcement(world: World, population: Any) -> None:
    past = (clock.now() - timedelta(hours=1)).isoformat()
    draw = world.prepare(spec=b_spec(beacon={"kind": "lottery", "description": "福彩3D", "at": past}))
    with pytest.raises(ServiceError, match="信标须在公告之后才产生"):
        world.announce(draw)


def test_only_the_owner_announces(world: World, population: Any, make_user: Any) -> None:
    draw = world.commit_all(world.prepare())
    other = make_user(Role.PLANNER, "361100-HEALTH")
    refused(Refused, "公告该抽取的权限", services.draw_announce, acting_user=other, draw=draw)
    audited("draw.announce")


def test_an_invalid_uscc_in_the_library_stops_the_announcement_naming_it(world: World) -> None:
    bad = make_entities(2)[0]
    MarketEntity.objects.filter(pk=bad.pk).update(uscc=bad.uscc[:17] + ("0" if bad.uscc[17] != "0" else "1"))
    draw = world.prepare()
    with pytest.raises(ServiceError, match="校验位错误"):
        world.announce(draw)
    assert Draw.objects.get(pk=draw.pk).status == "prepared"


# --- reveal and beacon --------------------------------------------------------------------


def test_a_reveal_before_the_announcement_is_refused(world: World) -> None:
    draw = world.commit_all(world.prepare())
    exc = refused(Conflict, "尚未公告", services.draw_reveal, acting_user=world.office, draw=draw,
                  secret=SECRETS[Party.OFFICE])
    assert exc.code == "not_announced"  # type: ignore[attr-defined]
    assert audited("draw.reveal").summary["code"] == "not_announced"


def test_a_wrong_secret_is_refused_and_recorded(world: World, population: Any) -> None:
    draw = world.announce(world.prepare())
    exc = refused(ServiceError, "不符", services.draw_reveal, acting_user=world.justice, draw=draw,
                  secret="not-the-secret-at-all")
    assert exc.code == "wrong_secret"  # type: ignore[attr-defined]
    assert audited("draw.reveal", Outcome.FAILURE).summary["code"] == "wrong_secret"
    assert not Commitment.objects.get(draw=draw, party=Party.JUSTICE).is_revealed


def test_a_party_reveals_once(world: World, population: Any) -> None:
    draw = world.announce(world.prepare())
    services.draw_reveal(acting_user=world.office, draw=draw, secret=SECRETS[Party.OFFICE])
    refused(Conflict, "无需重复", services.draw_reveal, acting_user=world.office, draw=draw,
            secret=SECRETS[Party.OFFICE])


def test_all_reveals_freeze_the_seed_inputs(world: World, population: Any) -> None:
    draw = world.reveal(world.announce(world.prepare()))
    assert draw.status == "revealed"
    reveals = json.loads(draw.reveals)
    assert [r["name"] for r in reveals] == ["联席办（市市场监管局）", "市司法局", "市生态环境局"]
    assert vd.commitment_problems("sha256", json.loads(draw.announcement), reveals) == []
    audited("draw.revealed", Outcome.SUCCESS)


def _beacon_draw(world: World, at: datetime | None = None) -> Draw:
    beacon = {"kind": "lottery", "description": "福彩3D 2027150期开奖号码（3 位数字）"}
    if at is not None:
        beacon["at"] = at.isoformat()
    draw = world.announce(world.prepare(spec=b_spec(beacon=beacon)))
    for c in draw.commitments.all():
        services.draw_reveal(acting_user=world.party_user(draw, c.party), draw=draw,
                             secret=SECRETS[Party(c.party)])
    assert Draw.objects.get(pk=draw.pk).status == "announced"  # the beacon is still missing
    return draw


def test_the_beacon_is_confirmed_by_a_second_person(world: World, population: Any) -> None:
    draw = _beacon_draw(world)
    services.draw_beacon_enter(acting_user=world.planner, draw=draw, value=BEACON)
    exc = refused(Refused, "另一人确认", services.draw_beacon_confirm, acting_user=world.planner, draw=draw,
                  value=BEACON)
    assert exc.code == "same_person"  # type: ignore[attr-defined]
    audited("draw.beacon_confirm")
    refused(ServiceError, "不一致", services.draw_beacon_confirm, acting_user=world.justice, draw=draw,
            value="529")
    audited("draw.beacon_confirm", Outcome.FAILURE)
    services.draw_beacon_confirm(acting_user=world.justice, draw=draw, value=f" {BEACON} ")
    draw.refresh_from_db()
    assert draw.status == "revealed"
    assert json.loads(draw.reveals)[-1] == {"name": "beacon:lottery", "value_hex": BEACON.encode().hex()}
    refused(Conflict, "揭示阶段已经结束", services.draw_beacon_enter, acting_user=world.office, draw=draw,
            value="000")


def test_the_beacon_is_entered_only_once_it_exists(world: World, population: Any, monkeypatch: Any) -> None:
    at = datetime(2030, 6, 5, 21, 30, tzinfo=SHANGHAI)
    draw = _beacon_draw(world, at)
    refused(ServiceError, "信标尚未产生", services.draw_beacon_enter, acting_user=world.planner, draw=draw,
            value=BEACON)
    audited("draw.beacon_enter", Outcome.FAILURE)
    monkeypatch.setattr(clock, "now", lambda: at + timedelta(minutes=5))
    services.draw_beacon_enter(acting_user=world.planner, draw=draw, value=BEACON)
    assert BeaconValue.objects.get(draw=draw).value == BEACON


def test_a_draw_without_beacon_refuses_a_beacon_value(world: World, population: Any) -> None:
    draw = world.announce(world.prepare())
    refused(ServiceError, "没有公开信标", services.draw_beacon_enter, acting_user=world.office, draw=draw,
            value="1")


# --- tampering ----------------------------------------------------------------------------


def test_a_changed_announcement_stops_the_reveal(world: World, population: Any) -> None:
    draw = world.announce(world.prepare())
    a = json.loads(draw.announcement)
    a["quota"]["counts"]["B.361102"] = 9
    Draw.objects.filter(pk=draw.pk).update(announcement=vd.pretty_json(a).decode())
    exc = refused(Refused, "公告已被改动", services.draw_reveal, acting_user=world.office, draw=draw,
                  secret=SECRETS[Party.OFFICE])
    assert exc.code == "announcement_changed"  # type: ignore[attr-defined]
    assert audited("draw.reveal").summary["code"] == "announcement_changed"


def test_a_changed_announcement_with_its_digest_disagrees_with_the_audit_trail(world: World, population: Any
                                                                              ) -> None:
    draw = world.reveal(world.announce(world.prepare()))
    a = json.loads(draw.announcement)
    a["quota"]["counts"]["B.361102"] = 9
    Draw.objects.filter(pk=draw.pk).update(announcement=vd.pretty_json(a).decode(),
                                           announcement_digest=vd.announcement_digest("sha256", a).hex())
    draw.refresh_from_db()
    assert services.announcement_problems(draw) == ["公告摘要与审计日志中公告时的记录不符"]
    refused(Refused, "审计日志", world.execute, draw)
    audited("draw.execute")


def test_a_changed_population_file_stops_the_execution(world: World, population: Any) -> None:
    draw = world.reveal(world.announce(world.prepare()))
    path = draw.files_dir / "population.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[1:]))
    refused(Refused, "population.csv", world.execute, draw)
    assert audited("draw.execute").summary["code"] == "announcement_changed"
    assert Draw.objects.get(pk=draw.pk).status == "revealed"


# --- execute ------------------------------------------------------------------------------


def test_execution_stores_one_result_with_selection_and_teams(world: World, population: Any) -> None:
    inspectors = make_inspectors(5)
    draw = world.executed(spec=b_spec(team=TEAM))
    assert draw.status == "executed"
    result = json.loads(DrawResult.objects.get(draw=draw).text)
    assert len(result["selected"]) == 4
    rows = list(Selection.objects.filter(draw=draw).prefetch_related("assignments"))
    assert [r.uscc for r in rows] == [e["uscc"] for e in result["selected"]]
    assert all(r.entity_name.startswith("测试") for r in rows)
    codes = {i.certificate_no: i for i in inspectors}
    for r in rows:
        team = [a.inspector_code for a in r.assignments.all()]
        assert team == result["teams"][r.uscc]
        assert all(a.inspector == codes[a.inspector_code] for a in r.assignments.all())
    event = audited("draw.execute", Outcome.SUCCESS)
    assert event.summary["seed"] == result["seed"]


def test_a_run_reads_its_selected_entities_once(world: World, population: Any) -> None:
    """The check of the selection reads id, name and status; the stored selection takes the id
    and the name from those rows instead of reading the library a second time."""
    draw = world.reveal(world.announce(world.prepare()))
    with CaptureQueriesContext(connection) as ctx:
        world.execute(draw)
    heads = [q["sql"].partition(" FROM ") for q in ctx.captured_queries]
    reads = [h for h, _, rest in heads
             if "name" in h and rest.lstrip('"').startswith("registry_marketentity")]
    assert len(reads) == 1, reads
    rows = Selection.objects.filter(draw=draw).values_list("uscc", "entity_name", "entity__uscc",
                                                           "entity__name")
    assert len(rows) == 4 and all(u == eu and n == en for u, n, eu, en in rows)


def test_a_second_execution_is_refused_and_recorded(world: World, population: Any) -> None:
    draw = world.executed()
    exc = refused(Conflict, "不能重复执行", world.execute, draw)
    assert exc.code == "already_executed"  # type: ignore[attr-defined]
    assert audited("draw.execute").summary["code"] == "already_executed"
    assert DrawResult.objects.filter(draw=draw).count() == 1
    refused(Conflict, "不在抽取中", services.draw_run, draw.pk)


def test_execution_before_the_reveals_is_refused(world: World, population: Any) -> None:
    draw = world.announce(world.prepare())
    refused(Conflict, "尚未全部揭示", world.execute, draw)
    audited("draw.execute")


def test_an_entity_deregistered_after_the_announcement_is_substituted(world: World, population: Any) -> None:
    draw = world.reveal(world.announce(world.prepare()))
    # Which entities the draw selects is fixed by now: find them, then deregister one.
    computed = vd.compute_result(vd.DrawInputs(json.loads(draw.announcement), json.loads(draw.reveals),
                                               draw.files_dir / "population.csv"))
    gone = computed["selected"][0]["uscc"]
    MarketEntity.objects.filter(uscc=gone).update(status="deregistered")
    world.execute(draw)
    result = json.loads(DrawResult.objects.get(draw=draw).text)
    assert [(s["out"], s["reason"]) for s in result["substitutions"]] == [(gone, "已注销")]
    out = Selection.objects.get(draw=draw, uscc=gone)
    sub = Selection.objects.get(draw=draw, state=SelectionState.SUBSTITUTE)
    assert out.state == SelectionState.REPLACED and out.reason == "已注销"
    assert sub.replaces == out and sub.uscc == result["substitutions"][0]["in"] and sub.stratum == out.stratum


def test_a_substitution_found_on_site_extends_the_result(world: World, population: Any) -> None:
    make_inspectors(4)
    draw = world.executed(spec=b_spec(team=TEAM))
    first = json.loads(DrawResult.objects.get(draw=draw).text)
    target = first["selected"][1]["uscc"]
    refused(ServiceError, "替补原因", services.draw_substitute, acting_user=world.planner, draw=draw,
            uscc=target, reason=" ")
    refused(ServiceError, "不在本次抽取", services.draw_substitute, acting_user=world.planner, draw=draw,
            uscc=new_uscc(), reason="x")
    services.draw_substitute(acting_user=world.planner, draw=draw, uscc=target, reason="经实地核查已停业")
    stored = DrawResult.objects.get(draw=draw)
    result = json.loads(stored.text)
    assert stored.revision == 2 and result["selected"] == first["selected"]
    assert result["substitutions"][0]["out"] == target
    sub = Selection.objects.get(draw=draw, uscc=result["substitutions"][0]["in"])
    assert sub.assignments.count() == 2
    assert audited("draw.substitute", Outcome.SUCCESS).summary["revision"] == 2


def test_publish_and_cancel(world: World, population: Any) -> None:
    draw = world.executed()
    services.draw_publish(acting_user=world.planner, draw=draw)
    assert Draw.objects.get(pk=draw.pk).status == "published"
    other = world.announce(world.prepare())
    refused(ServiceError, "撤销原因", services.draw_cancel, acting_user=world.planner, draw=other, reason="")
    services.draw_cancel(acting_user=world.planner, draw=other, reason="范围有误，重新抽取")
    assert Draw.objects.get(pk=other.pk).status == "cancelled"
    refused(Conflict, "不能撤销", services.draw_cancel, acting_user=world.planner, draw=draw, reason="x")


def test_the_office_acts_for_any_draw_of_its_division(world: World, population: Any) -> None:
    draw = world.prepare(by=world.office, dept="361100-ENV")
    assert draw.department == Department.objects.get(code="361100-ENV")
    world.announce(draw, by=world.office)
    world.reveal(draw)
    services.draw_execute(acting_user=world.office, draw=draw, background=False)
    assert Draw.objects.get(pk=draw.pk).status == "executed"
