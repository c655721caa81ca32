"""Races on PostgreSQL: two publications of one task, two corrections of one version, two
answers to one objection — one wins, the other is refused cleanly; one current version."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from django.db import connection  # noqa: F401  (the skip condition reads it)
from django.test import RequestFactory

from spotcheck.accounts.roles import Role
from spotcheck.core.errors import ServiceError
from spotcheck.draws.tests.test_race import together
from spotcheck.publicity import services
from spotcheck.publicity.models import Complaint, ObjectionStatus, PublishedResult
from spotcheck.publicity.tests.factories import ENV, published_result

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a race needs concurrent writers"),
    pytest.mark.django_db(transaction=True),
]


def test_two_corrections_of_one_version_leave_one_new_version(make_user: Any) -> None:
    first = published_result()
    a, b = make_user(Role.PLANNER, ENV), make_user(Role.DEPT_ADMIN, ENV)
    outcomes = together([
        lambda: services.result_correct(acting_user=a, result=first, reason="复核甲", result_code="E"),
        lambda: services.result_correct(acting_user=b, result=first, reason="复核乙", result_code="F"),
    ])
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "PublishedResult"]
    assert PublishedResult.objects.filter(task_item=first.task_item, is_current=True).count() == 1
    assert PublishedResult.objects.filter(task_item=first.task_item).count() == 2


def test_two_publications_of_one_task_publish_it_once(make_user: Any) -> None:
    result = published_result()
    task = result.task
    PublishedResult.objects.filter(task=task).delete()
    a, b = make_user(Role.PLANNER, ENV), make_user(Role.DEPT_ADMIN, ENV)
    outcomes = together([lambda: services.results_publish(acting_user=a, tasks=[task.pk]),
                         lambda: services.results_publish(acting_user=b, tasks=[task.pk])])
    assert sum(isinstance(o, ServiceError) for o in outcomes) == 1
    assert PublishedResult.objects.filter(task=task).count() == 1


def test_two_answers_to_one_objection_answer_it_once(make_user: Any) -> None:
    from spotcheck.accounts.tests.factories import ENTERPRISE_USCC

    result = published_result(uscc=ENTERPRISE_USCC)
    objection = services.objection_file(acting_user=make_user(Role.ENTERPRISE), result=result, reason="有误")
    a, b = make_user(Role.PLANNER, ENV), make_user(Role.DEPT_ADMIN, ENV)
    outcomes = together([
        lambda: services.objection_answer(acting_user=a, objection=objection, upheld=True, answer="成立",
                                          result_code="E"),
        lambda: services.objection_answer(acting_user=b, objection=objection, upheld=False, answer="不成立"),
    ])
    assert sum(isinstance(o, ServiceError) for o in outcomes) == 1
    objection.refresh_from_db()
    versions = PublishedResult.objects.filter(task_item=result.task_item).count()
    assert (objection.status, versions) in {(ObjectionStatus.UPHELD, 2), (ObjectionStatus.REJECTED, 1)}


def _request(ip: str) -> Any:
    return RequestFactory().post("/public/complaints/new/", REMOTE_ADDR=ip)


def _complain(ip: str, text: str) -> Any:
    return services.complaint_submit(division="361100", about="inspection", text=text, request=_request(ip))


@pytest.mark.parametrize("earlier", [0, 1], ids=["new address", "one already this hour"])
def test_two_complaints_at_once_from_one_address_at_the_limit_pass_once(settings: Any, earlier: int) -> None:
    """R-S4: the per-address limit holds when the last allowed submission comes twice at once
    (a new address's first, or the one that reaches the limit); several rounds, each its own
    address, so that an unlocked count would let both through in some round."""
    settings.COMPLAINT_LIMIT_PER_HOUR = earlier + 1
    for round_no in range(4):
        ip = f"10.9.{earlier}.{round_no}"
        for n in range(earlier):
            _complain(ip, f"此前的投诉 {n}")
        outcomes = together([partial(_complain, ip, "同时提交甲"), partial(_complain, ip, "同时提交乙")])
        refused = [o for o in outcomes if isinstance(o, ServiceError)]
        assert len(refused) == 1, outcomes
        assert refused[0].code == "throttled" and "过于频繁" in refused[0].message
        key = services.client_key(_request(ip))
        assert Complaint.objects.filter(client_key=key).count() == earlier + 1
