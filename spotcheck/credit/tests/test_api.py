"""The credit API: runs, proposals decided in bulk, class-A applications (R-D1, R-D2, R-D3),
through the same services as the pages; bad input answered with the field named."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from spotcheck.accounts.roles import Role
from spotcheck.credit import services
from spotcheck.credit.models import PromotionRequest, ReclassProposal, ReclassRun
from spotcheck.credit.tests.factories import confirmed_task, entity, violation
from spotcheck.registry.models import ChangeSource, ClassChange, MarketEntity

pytestmark = pytest.mark.django_db
YEAR = 2027


@pytest.fixture(autouse=True)
def _next_january(on_day: Any) -> None:
    on_day(dt.date(YEAR + 1, 1, 15))


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_r_d1_the_office_starts_a_run_once_a_year_and_reads_its_figures(make_user: Any) -> None:
    office = make_user(Role.OFFICE)
    api = _api(office)
    a = entity("A")
    violation(confirmed_task(a, YEAR), "serious", by=office)
    response = api.post(reverse("api:credit-run-start"), {"year": YEAR}, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    services.reclass_run_execute(pk)  # the worker's step
    again = api.post(reverse("api:credit-run-start"), {"year": YEAR}, format="json")
    assert again.status_code == 409 and "每年一次" in again.json()["message"]
    bad = api.post(reverse("api:credit-run-start"), {"year": "明年"}, format="json")
    assert bad.status_code == 400 and "year" in bad.json()["fields"]
    unknown = api.post(reverse("api:credit-run-start"), {"year": YEAR - 1, "division": "361102"},
                       format="json")
    assert unknown.status_code == 400 and "division" in unknown.json()["fields"]
    assert ReclassRun.objects.count() == 1
    detail = api.get(reverse("api:credit-run", kwargs={"pk": pk})).json()
    assert (detail["status"], detail["percent"], detail["proposed"]) == ("done", 100, 1)
    assert [(f["rule"], f["to_class"], f["state"], f["n"]) for f in detail["figures"]] == [
        ("R-D2", "C", "pending", 1)]
    assert [r["id"] for r in api.get(reverse("api:credit-runs")).json()["results"]] == [pk]


def test_r_d2_proposals_filtered_and_decided_in_bulk_once(make_user: Any) -> None:
    office = make_user(Role.OFFICE)
    a_major, a_minor = entity("A"), entity("A")
    violation(confirmed_task(a_major, YEAR), "serious", by=office)
    violation(confirmed_task(a_minor, YEAR), "minor", by=office)
    run = services.reclass_run_execute(services.reclass_run_create(acting_user=office, year=YEAR).pk)
    api = _api(office)
    url = reverse("api:credit-proposals", kwargs={"pk": run.pk})
    to_c = api.get(url, {"to_class": "C", "state": "pending"}).json()["results"]
    assert [(p["entity"], p["rule"], p["reason"], p["violation_id"] is not None) for p in to_c] == [
        (a_major.pk, "R-D2", "serious_violation", True)]
    assert len(api.get(url).json()["results"]) == 2
    decide = reverse("api:credit-proposals-decide", kwargs={"pk": run.pk})
    ids = list(ReclassProposal.objects.filter(run=run).values_list("pk", flat=True))
    # bad input: nothing decided, the field named
    for body, field in (({"proposals": ids, "decision": "confirm"}, "reason"),
                        ({"proposals": [], "decision": "confirm", "reason": "核实"}, "proposals"),
                        ({"proposals": ["x"], "decision": "confirm", "reason": "核实"}, "proposals"),
                        ({"proposals": ids, "decision": "adjust", "reason": "核实"}, "to_class"),
                        ({"proposals": ids, "decision": "confirm", "reason": "核实",
                          "effective_on": "2001-01-01"}, "effective_on")):
        response = api.post(decide, body, format="json")
        assert response.status_code == 400 and field in response.json()["fields"], (body, response.json())
    assert not ClassChange.objects.exists()
    assert _api(make_user(Role.PLANNER)).post(decide, {"proposals": ids, "decision": "confirm",
                                                       "reason": "核实"}, format="json").status_code == 403
    first = api.post(decide, {"proposals": ids, "decision": "confirm", "reason": "核实无误"}, format="json")
    assert first.json() == {"decided": 2, "skipped": 0, "applied": 2, "stale": 0}
    again = api.post(decide, {"proposals": ids, "decision": "confirm", "reason": "再次"}, format="json")
    assert again.json() == {"decided": 0, "skipped": 2, "applied": 0, "stale": 0}
    assert dict(MarketEntity.objects.filter(pk__in=[a_major.pk, a_minor.pk])
                .values_list("pk", "library_class")) == {a_major.pk: "C", a_minor.pk: "B"}
    assert ClassChange.objects.filter(source=ChangeSource.RECLASSIFICATION).count() == 2
    confirmed = api.get(url, {"state": "confirmed"}).json()["results"]
    assert {p["decided_by"] for p in confirmed} == {office.username} and all(p["change"] for p in confirmed)


def test_r_d3_the_enterprise_applies_a_department_recommends_the_office_decides(make_user: Any) -> None:
    from spotcheck.accounts.tests.factories import ENTERPRISE_USCC

    office, planner, enterprise = make_user(Role.OFFICE), make_user(Role.PLANNER), make_user(Role.ENTERPRISE)
    own, other = entity("B", uscc=ENTERPRISE_USCC), entity("B")
    confirmed_task(own, YEAR)
    confirmed_task(other, YEAR)
    company = _api(enterprise)
    create = reverse("api:credit-promotion-create", kwargs={"pk": own.pk})
    assert company.post(create, {"reasons": " "}, format="json").status_code == 400
    assert company.post(create, ["连续三年无违法"], format="json").status_code == 400
    not_a_file = company.post(create, {"reasons": "无违法", "attachments": "证明.pdf"}, format="json")
    assert not_a_file.status_code == 400 and "attachments" in not_a_file.json()["fields"]
    assert not PromotionRequest.objects.exists()
    applied = company.post(create, {"reasons": "连续三年无违法"}, format="json")
    assert applied.status_code == 201, applied.json()
    assert (applied.json()["kind"], applied.json()["status"]) == ("application", "pending")
    assert company.post(reverse("api:credit-promotion-create", kwargs={"pk": other.pk}),
                        {"reasons": "x"}, format="json").status_code == 403
    # a department recommends, with a PDF (multipart), checked as evidence is
    department = _api(planner)
    recommend = reverse("api:credit-promotion-create", kwargs={"pk": other.pk})
    not_pdf = SimpleUploadedFile("证明.pdf", b"MZ not a pdf", content_type="application/pdf")
    assert department.post(recommend, {"reasons": "重点税源", "attachments": [not_pdf]},
                           format="multipart").status_code == 400
    pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    recommended = department.post(recommend, {"reasons": "重点税源", "attachments": [pdf]},
                                  format="multipart")
    assert recommended.status_code == 201, recommended.json()
    assert recommended.json()["kind"] == "recommendation" and len(recommended.json()["files"]) == 1
    # the office decides, with a reason
    boss = _api(office)
    pk = applied.json()["id"]
    decide = reverse("api:credit-promotion-decide", kwargs={"pk": pk})
    assert boss.post(decide, {"approve": True}, format="json").status_code == 400
    assert company.post(decide, {"approve": True, "reason": "自己同意"}, format="json").status_code == 403
    done = boss.post(decide, {"approve": True, "reason": "核实无违法"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert boss.post(decide, {"approve": False, "reason": "再议"}, format="json").status_code == 409
    own.refresh_from_db()
    assert own.library_class == "A" and ClassChange.objects.get(entity=own).source == ChangeSource.PROMOTION
    # the enterprise sees the outcome and the reason
    seen = company.get(reverse("api:credit-promotion", kwargs={"pk": pk})).json()
    assert (seen["status"], seen["decision_reason"]) == ("approved", "核实无违法")
    assert [p["id"] for p in company.get(reverse("api:credit-promotions")).json()["results"]] == [pk]
    pending = boss.get(reverse("api:credit-promotions"), {"status": "pending"}).json()["results"]
    assert {p["id"] for p in pending} == set(
        PromotionRequest.objects.filter(status="pending").values_list("pk", flat=True))
