"""Draw pages and the API: forms, the secret shown once, bundles in full or public, progress,
refusals with Chinese messages, inspectors' assignments on the home page."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.draws import services
from spotcheck.draws.models import Draw, Party
from spotcheck.draws.tests.factories import (
    SECRETS,
    World,
    approved_plan,
    b_spec,
    make_entities,
    make_inspectors,
)
from spotcheck.roster.models import Inspector

pytestmark = pytest.mark.django_db
TEAM = {"slots": [{"dept": "361100-ENV", "tag": "*"}, {"dept": "361100-ENV", "tag": "*"}], "cap_slack": 1}


@pytest.fixture
def entities(db: Any) -> Any:
    return make_entities(10, division="361102") + make_entities(6, division="361103")


def zip_names(response: Any) -> list[str]:
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sorted(n.split("/", 1)[1] for n in zf.namelist())


def test_a_planner_prepares_the_draw_of_an_approved_plan_with_the_form(client: Any, world: World,
                                                                      entities: Any) -> None:  # R-P3
    plan = approved_plan(b_spec(quota={"kind": "rates", "rounding": "ceil", "rates_bp": {},
                                       "default_bp": 2000}, team=TEAM))
    draft = approved_plan(b_spec(), status="draft")
    client.force_login(world.planner)
    page = client.get(reverse("draws:prepare")).content.decode()
    assert plan.code in page and draft.code not in page  # only approved plans are offered
    response = client.post(reverse("draws:prepare"), {
        "plan": plan.pk, "title": "生态环境 B 类抽查", "beacon_kind": "lottery",
        "beacon_description": "福彩3D 2027150期", "hash_name": "sm3"})
    draw = Draw.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("draws:detail", args=[draw.pk])
    assert draw.spec["quota"] == {"kind": "rates", "rounding": "ceil", "rates_bp": {}, "default_bp": 2000}
    assert draw.spec["team"]["slots"] == TEAM["slots"] and draw.hash_name == "sm3"
    assert (draw.window_start, draw.window_end) == (plan.window_start, plan.window_end)
    detail = client.get(response["Location"]).content.decode()
    assert "每个分层 20%" in detail and "提交承诺值" in detail


def test_the_prepare_form_offers_no_plan_that_is_not_approved(client: Any, world: World) -> None:  # R-P3
    draft = approved_plan(b_spec(), status="submitted")
    client.force_login(world.planner)
    response = client.post(reverse("draws:prepare"), {"plan": draft.pk, "hash_name": "sha256"})
    assert response.status_code == 200 and "plan" in response.context["form"].errors
    assert not Draw.objects.exists()


def test_a_generated_secret_is_shown_once_and_not_cached(client: Any, world: World, entities: Any) -> None:
    draw = world.prepare()
    client.force_login(world.justice)
    form = client.get(reverse("draws:commit", args=[draw.pk])).content.decode()
    assert "市司法局" in form and "联席办" not in form  # only the party the user speaks for
    response = client.post(reverse("draws:commit", args=[draw.pk]), {"party": "justice"})
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    assert secret in response.content.decode() and "只显示这一次" in response.content.decode()
    assert secret not in client.get(reverse("draws:detail", args=[draw.pk])).content.decode()


def test_a_weak_typed_secret_is_refused_on_the_form(client: Any, world: World, entities: Any) -> None:
    draw = world.prepare()
    client.force_login(world.office)
    response = client.post(reverse("draws:commit", args=[draw.pk]), {"secret": "abc"})
    assert response.status_code == 200 and "至少 16 个字符" in response.content.decode()


def test_the_lifecycle_through_the_pages(client: Any, world: World, entities: Any) -> None:
    draw = world.commit_all(world.prepare())
    client.force_login(world.planner)
    client.post(reverse("draws:announce", args=[draw.pk]))
    assert Draw.objects.get(pk=draw.pk).status == "announced"
    page = client.get(reverse("draws:detail", args=[draw.pk])).content.decode()
    assert 'data-reveal="department"' in page and 'data-reveal="office"' not in page
    response = client.post(reverse("draws:reveal", args=[draw.pk]),
                           {"party": "department", "secret": "wrong-one"}, follow=True)
    assert "不符" in response.content.decode()
    people = ((Party.OFFICE, world.office), (Party.JUSTICE, world.justice), (Party.DEPARTMENT, world.planner))
    for party, user in people:
        client.force_login(user)
        client.post(reverse("draws:reveal", args=[draw.pk]), {"party": party, "secret": SECRETS[party]})
    assert Draw.objects.get(pk=draw.pk).status == "revealed"
    client.force_login(world.planner)
    client.post(reverse("draws:execute", args=[draw.pk]))
    page = client.get(reverse("draws:detail", args=[draw.pk])).content.decode()
    assert "抽取结果" in page and 'id="selection"' in page
    again = client.post(reverse("draws:execute", args=[draw.pk]), follow=True).content.decode()
    assert "不能重复执行" in again
    client.post(reverse("draws:publish", args=[draw.pk]))
    assert Draw.objects.get(pk=draw.pk).status == "published"


def test_beacon_confirmation_on_the_page_needs_a_second_person(client: Any, world: World, entities: Any
                                                               ) -> None:
    draw = world.announce(world.prepare(spec=b_spec(beacon={"kind": "lottery", "description": "福彩3D"})))
    client.force_login(world.planner)
    client.post(reverse("draws:beacon_enter", args=[draw.pk]), {"value": "528"})
    page = client.get(reverse("draws:detail", args=[draw.pk])).content.decode()
    assert 'id="beacon-confirm"' not in page  # not offered to the one who entered it
    response = client.post(reverse("draws:beacon_confirm", args=[draw.pk]), {"value": "528"}, follow=True)
    assert "另一人确认" in response.content.decode()
    client.force_login(world.justice)
    assert 'id="beacon-confirm"' in client.get(reverse("draws:detail", args=[draw.pk])).content.decode()
    client.post(reverse("draws:beacon_confirm", args=[draw.pk]), {"value": "528"})
    assert Draw.objects.get(pk=draw.pk).beacon_value.is_confirmed


def test_the_full_bundle_goes_to_office_justice_and_auditor_only(client: Any, world: World, entities: Any,
                                                                 make_user: Any) -> None:
    make_inspectors(4)
    draw = world.executed(spec=b_spec(team=TEAM))
    url = reverse("draws:bundle", args=[draw.pk])
    for role in (Role.OFFICE, Role.JUSTICE, Role.AUDIT_ADMIN):
        client.force_login(make_user(role))
        assert "conflicts.csv" in zip_names(client.get(url)), role
    for role in (Role.PLANNER, Role.INSPECTOR):
        client.force_login(make_user(role))
        names = zip_names(client.get(url))
        assert "conflicts.csv" not in names and "roster.csv" in names, role
    assert AuditEvent.objects.filter(action="draw.bundle_full").count() == 3


def test_a_department_of_another_division_cannot_read_the_draw(client: Any, world: World, entities: Any,
                                                               make_user: Any) -> None:
    draw = world.prepare()
    client.force_login(make_user(Role.PLANNER, "361102-SAMR"))
    assert client.get(reverse("draws:detail", args=[draw.pk])).status_code == 403
    client.force_login(make_user(Role.PLANNER, "361100-HEALTH"))  # same division: reads, cannot act
    assert client.get(reverse("draws:detail", args=[draw.pk])).status_code == 200
    assert client.post(reverse("draws:cancel", args=[draw.pk]), {"reason": "x"}).status_code == 403


def test_the_progress_panel_polls_while_the_worker_runs(client: Any, world: World, entities: Any,
                                                        django_capture_on_commit_callbacks: Any) -> None:
    draw = world.commit_all(world.prepare())
    with django_capture_on_commit_callbacks(execute=False):
        services.draw_announce(acting_user=world.planner, draw=draw, background=True)
    client.force_login(world.planner)
    panel = client.get(reverse("draws:progress", args=[draw.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in panel.content.decode() and "HX-Refresh" not in panel
    services.draw_freeze(draw.pk)
    done = client.get(reverse("draws:progress", args=[draw.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_an_inspector_sees_their_assignments_on_the_home_page(client: Any, world: World, entities: Any,
                                                             make_user: Any) -> None:
    inspectors = make_inspectors(2)
    account = make_user(Role.INSPECTOR)
    Inspector.objects.filter(pk=inspectors[0].pk).update(user=account)
    spec = b_spec(team=TEAM, window={"start": "2027-06-01", "end": "2027-06-30"})
    draw = world.executed(spec=spec)
    client.force_login(account)
    home = client.get(reverse("home")).content.decode()
    assert "我的抽查任务" in home and "2027-06-01 至 2027-06-30" in home
    assert draw.title in home and home.count(draw.title) == 4  # two inspectors: on every team


def test_parties_see_what_is_due_on_the_home_page(client: Any, world: World, entities: Any) -> None:
    draw = world.prepare(title="待承诺的抽取")
    client.force_login(world.justice)
    assert "提交承诺值：待承诺的抽取" in client.get(reverse("home")).content.decode()
    world.announce(draw)
    assert "揭示秘密值：待承诺的抽取" in client.get(reverse("home")).content.decode()


# --- API ----------------------------------------------------------------------------------


def test_the_api_walks_a_draw_through_its_life(client: Any, world: World, entities: Any) -> None:
    client.force_login(world.planner)
    plan = approved_plan(b_spec(quota={"kind": "total", "total": 3}))
    created = client.post(reverse("api:draws-prepare"), {"title": "接口抽取", "plan": plan.code},
                          content_type="application/json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    committed = client.post(reverse("api:draws-commit", args=[pk]), {},
                            content_type="application/json").json()
    secret = committed["generated_secret"]
    assert committed["commitment"]["party"] == "department"
    draw = Draw.objects.get(pk=pk)
    for party, user in ((Party.OFFICE, world.office), (Party.JUSTICE, world.justice)):
        services.draw_commit(acting_user=user, draw=draw, secret=SECRETS[party])
    assert client.post(reverse("api:draws-announce", args=[pk])).json()["status"] == "announced"
    wrong = client.post(reverse("api:draws-reveal", args=[pk]), {"secret": "x" * 20},
                        content_type="application/json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_secret"
    assert "不符" in wrong.json()["message"]
    client.post(reverse("api:draws-reveal", args=[pk]), {"secret": secret}, content_type="application/json")
    for party, user in ((Party.OFFICE, world.office), (Party.JUSTICE, world.justice)):
        services.draw_reveal(acting_user=user, draw=draw, secret=SECRETS[party])
    assert client.post(reverse("api:draws-execute", args=[pk])).json()["status"] == "executed"
    again = client.post(reverse("api:draws-execute", args=[pk]))
    assert again.status_code == 409 and again.json()["code"] == "already_executed"
    result = client.get(reverse("api:draws-result", args=[pk])).json()
    assert len(result["result"]["selected"]) == 3 == len(result["selection"])
    listed = client.get(reverse("api:draws-list"), {"source_ref": plan.code}).json()
    assert [d["id"] for d in listed["results"]] == [pk]


def test_the_api_refuses_class_a_to_a_department(client: Any, world: World) -> None:
    plan = approved_plan(b_spec(classes=["A"]), dept="361100-SAMR")
    client.force_login(world.planner)
    response = client.post(reverse("api:draws-prepare"), {"title": "A", "plan": plan.code},
                           content_type="application/json")
    assert response.status_code == 403 and "R-A2" in response.json()["message"]


def test_the_api_refuses_a_draw_without_an_approved_plan_naming_the_field(client: Any, world: World
                                                                          ) -> None:  # R-P3
    client.force_login(world.planner)
    missing = client.post(reverse("api:draws-prepare"), {"title": "无计划", "spec": b_spec()},
                          content_type="application/json")
    assert missing.status_code == 400 and "plan" in missing.json()["fields"]
    draft = approved_plan(b_spec(), status="draft")
    response = client.post(reverse("api:draws-prepare"), {"plan": draft.code},
                           content_type="application/json")
    body = response.json()
    assert response.status_code == 400 and draft.code in body["message"] and "R-P3" in body["message"]
    assert "plan" in body["fields"] and not Draw.objects.exists()


def test_the_api_result_of_an_unexecuted_draw_is_a_clear_error(client: Any, world: World, entities: Any
                                                                ) -> None:
    draw = world.prepare()
    client.force_login(world.planner)
    response = client.get(reverse("api:draws-result", args=[draw.pk]))
    assert response.status_code == 400 and "尚未执行" in response.json()["message"]
    detail = client.get(reverse("api:draws-detail", args=[draw.pk])).json()
    assert [c["party"] for c in detail["commitments"]] == ["office", "justice", "department"]
    assert json.dumps(detail).count("secret") == 0
