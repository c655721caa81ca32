"""Nothing personal is ever published: a crawler walks every public page and API from / as
an anonymous visitor and finds no checksum-valid ID number, no mobile number and no
individual business's operator name in clear; services refuse such text for publication."""

from __future__ import annotations

import re
from collections import deque
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.core.errors import ServiceError
from spotcheck.draws import services as draws
from spotcheck.draws.tests.factories import World, b_spec, make_entities
from spotcheck.publicity import services
from spotcheck.publicity.domain.personal import findings, id_number_valid, mask_person_name
from spotcheck.publicity.models import Complaint
from spotcheck.publicity.tests.factories import ENV, PROBLEM, completed_task
from spotcheck.registry.models import EntityKind, MarketEntity

pytestmark = pytest.mark.django_db
OPERATORS = ["王小明", "李建国", "欧阳春花"]
ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
HREF = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/accounts/", "/admin/", "/static/", "/api/docs", "/api/schema", "/favicon.ico")
MAX_PAGES = 400


def test_the_scanner_knows_id_numbers_phones_and_operators() -> None:
    assert id_number_valid(ID_NUMBER) and not id_number_valid("110105194912310021")
    assert not id_number_valid("913611020000000025")  # an all-digit USCC with a fitting checksum
    assert [f.kind for f in findings(f"号码{ID_NUMBER}，电话{PHONE}，经营者王小明", ["王小明"])] == [
        "id_number", "mobile", "operator"]
    assert findings("摘要 ab13912345678cd 与 91361100MA35TEXT0X") == []
    assert mask_person_name("欧阳春花") == "欧***" and mask_person_name("王") == "王*"


def _individuals() -> list[MarketEntity]:
    made = make_entities(len(OPERATORS), kind=EntityKind.INDIVIDUAL, division="361102")
    for e, operator in zip(made, OPERATORS, strict=True):
        # One operator trades under their own name alone, as many individual businesses do.
        e.name = operator if operator == "李建国" else f"上饶市信州区{operator}日用品店"
        e.legal_rep_name = operator
        e.save()
    return made


def _crawl(client: Any) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = deque(["/", reverse("api:publicity-results"), reverse("api:catalog-public-items")])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        kind = response.get("Content-Type", "")
        text = b"".join(response.streaming_content).decode("utf-8", "replace") if response.streaming \
            else response.content.decode()
        seen[url] = text if ("html" in kind or "json" in kind) else ""
        for link in HREF.findall(text.replace("&amp;", "&")) if "html" in kind else []:
            if not link.startswith(SKIP) and not link.endswith((".zip", ".py")) and link not in seen:
                queue.append(link)
    return seen


def test_no_public_page_or_api_shows_personal_data(client: Any, make_user: Any, on_day: Any,
                                                    world: World) -> None:
    entities = _individuals()
    draw = world.executed(spec=b_spec(strata=["class"], quota={"kind": "counts", "counts": {}, "default": 9}))
    draws.draw_publish(acting_user=world.planner, draw=draw)
    tasks = [completed_task(on_day, entity=e, results=[PROBLEM]) for e in entities]
    planner = make_user(Role.PLANNER, ENV)
    published = services.results_publish(acting_user=planner, tasks=tasks)
    services.result_correct(acting_user=planner, result=published[0], reason="复核后更正", result_code="E")
    complaint = services.complaint_submit(division="361100", about="inspector", contact=PHONE,
                                          text=f"本人身份证 {ID_NUMBER}，检查员态度恶劣，经营者王小明")
    complaint = services.complaint_assign(acting_user=None, complaint=complaint,
                                          department=planner.department)
    with pytest.raises(ServiceError, match="手机号码"):
        services.complaint_answer(acting_user=planner, complaint=complaint, outcome=f"已联系 {PHONE}")
    services.complaint_answer(acting_user=planner, complaint=complaint,
                              outcome="经核查，已对检查人员批评教育。")

    pages = _crawl(client)
    for must in (reverse("publicity:results"), reverse("publicity:draw", args=[draw.code]),
                 reverse("publicity:result", args=[published[0].pk]), reverse("publicity:complaints"),
                 reverse("publicity:corrections"), reverse("publicity:plans")):
        assert any(url.split("?")[0] == must for url in pages), must
    everything = "\n".join(pages.values())
    assert "王**" in everything and "李**" in everything and "已对检查人员批评教育" in everything
    problems = {url: [f.message for f in findings(text, OPERATORS)] for url, text in pages.items()}
    assert not {url: found for url, found in problems.items() if found}
    assert Complaint.objects.get(pk=complaint.pk).contact == PHONE  # kept, never published
