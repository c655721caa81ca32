"""Deliveries (R-R2) through the outbox: written with the publication, sent by the real
worker (django-tasks db backend) to a real HTTP receiver on loopback with an idempotency
key; retried; parked after N failures with an alert on the office's home page; sent again by
hand from there."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from receiver.credit_receiver import serve
from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core.errors import Conflict, Refused
from spotcheck.publicity import services
from spotcheck.publicity.models import Delivery, DeliveryStatus
from spotcheck.publicity.tests.factories import ENV, PROBLEM, completed_task, signed_in

pytestmark = pytest.mark.django_db


class Receiver:
    def __init__(self, tmp_path: Path, refuse: float = 0.0) -> None:
        self.server = serve(0, str(tmp_path / "receiver.sqlite3"), refuse=refuse, seed=3)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=5) as response:  # noqa: S310
            return json.loads(response.read())

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _targets(settings: Any, base: str) -> None:
    settings.PUBLICITY_DELIVERY_TARGETS = {
        "national": {"label": "国家", "url": f"{base}/national/results", "token": ""},
        "province": {"label": "省", "url": f"{base}/province/records", "token": ""},
    }


@pytest.fixture
def receiver(tmp_path: Path, settings: Any) -> Iterator[Receiver]:
    r = Receiver(tmp_path)
    _targets(settings, r.url)
    settings.DELIVERY_BACKOFF_SECONDS = 0
    yield r
    r.stop()


def _work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens connections
def test_published_results_arrive_once_each_through_the_worker(
        on_day: Any, make_user: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any) -> None:
    task = completed_task(on_day, results=[PROBLEM])
    with django_capture_on_commit_callbacks(execute=True):
        services.results_publish(acting_user=make_user(Role.PLANNER, ENV), tasks=[task])
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 2
    _work()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    records = receiver.get("/records")
    assert sorted(r["path"] for r in records) == ["/national/results", "/province/records"]
    national = json.loads(next(r["body"] for r in records if r["path"] == "/national/results"))
    assert national["UNISCID"] == task.uscc and national["INSRESCODE"] == "5" and national["VERSION"] == 1
    assert national["INSAUTH"] == "市生态环境局" and national["INSDATE"] == "2027-06-10"
    # The same key again (an answer lost on the way back): stored once.
    first = Delivery.objects.order_by("id").first()
    assert first is not None
    Delivery.objects.update(status=DeliveryStatus.PENDING, next_attempt_at=first.created_at)
    services.deliveries_flush()
    assert receiver.get("/stats") == {"records": 2, "duplicates": 2, "refused": 0}


@pytest.mark.django_db(transaction=True)
def test_a_target_that_stays_down_parks_the_delivery_and_the_office_sends_it_again(
        on_day: Any, make_user: Any, settings: Any, tmp_path: Path, client: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.DELIVERY_BACKOFF_SECONDS = 0
    settings.DELIVERY_MAX_ATTEMPTS = 3
    down = Receiver(tmp_path)
    _targets(settings, down.url)
    down.stop()  # nothing listens on its port now
    task = completed_task(on_day)
    services.results_publish(acting_user=make_user(Role.PLANNER, ENV), tasks=[task])
    summary = services.deliveries_flush()
    assert (summary.sent, summary.parked) == (0, 2)
    assert list(Delivery.objects.values_list("status", "attempts")) == [(DeliveryStatus.PARKED, 3)] * 2
    assert all("连接失败" in e for e in Delivery.objects.values_list("last_error", flat=True))
    assert AuditEvent.objects.filter(action="publicity.delivery_parked").count() == 2
    office = signed_in(make_user, Role.OFFICE)
    client.force_login(office)
    home = client.get(reverse("home")).content.decode()
    assert "报送失败（已暂停）" in home and "2 条记录多次发送失败" in home
    with pytest.raises(Refused):
        services.deliveries_resend(acting_user=signed_in(make_user, Role.OFFICE, "361102-SAMR"),
                                   deliveries=list(Delivery.objects.all()))
    (tmp_path / "up").mkdir()
    up = Receiver(tmp_path / "up")
    _targets(settings, up.url)
    try:
        page = client.get(reverse("publication:deliveries")).content.decode()
        assert "连接失败" in page
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("publication:deliveries"),
                                   {"delivery": [str(d.pk) for d in Delivery.objects.all()]}, follow=True)
        assert "已重新排队发送 2 条" in response.content.decode()
        assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.PENDING, 0)}
        _work()
        assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
        assert up.get("/stats")["records"] == 2
        with pytest.raises(Conflict):
            services.deliveries_resend(acting_user=office, deliveries=list(Delivery.objects.all()))
        assert "报送失败（已暂停）" not in client.get(reverse("home")).content.decode()
    finally:
        up.stop()


def test_refusals_are_retried_with_backoff_until_sent(on_day: Any, make_user: Any, settings: Any,
                                                       tmp_path: Path) -> None:
    r = Receiver(tmp_path, refuse=0.5)
    _targets(settings, r.url)
    settings.DELIVERY_MAX_ATTEMPTS = 50
    settings.DELIVERY_BACKOFF_SECONDS = 0
    try:
        tasks = [completed_task(on_day) for _ in range(4)]
        services.results_publish(acting_user=make_user(Role.PLANNER, ENV), tasks=tasks)
        services.deliveries_flush()
        assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
        stats = r.get("/stats")
        assert stats["records"] == 8 and stats["refused"] > 0 and stats["duplicates"] == 0
        assert sum(Delivery.objects.values_list("attempts", flat=True)) == 8 + stats["refused"]
    finally:
        r.stop()


def test_backoff_doubles_and_is_capped(settings: Any) -> None:
    settings.DELIVERY_BACKOFF_SECONDS = 30
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4, 10)] == [30, 60, 120, 240, 3600]


def test_the_command_sends_what_is_due(on_day: Any, make_user: Any, receiver: Receiver) -> None:
    from io import StringIO

    services.results_publish(acting_user=make_user(Role.PLANNER, ENV), tasks=[completed_task(on_day)])
    out = StringIO()
    call_command("deliveries_flush", stdout=out)
    assert "已送达 2 条" in out.getvalue() and receiver.get("/stats")["records"] == 2


def test_the_receiver_wants_a_key_json_and_its_token(tmp_path: Path) -> None:
    import urllib.error

    server = serve(0, str(tmp_path / "r.sqlite3"), token="s3cret")
    url = f"http://127.0.0.1:{server.server_address[1]}/national/results"
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def post(body: bytes, **headers: str) -> int:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    try:
        assert post(b"{}", **{"Idempotency-Key": "k"}) == 401
        auth = {"Authorization": "Bearer s3cret"}
        assert post(b"{}", **auth) == 400
        assert post(b"not json", **auth, **{"Idempotency-Key": "k"}) == 400
        assert post(b"{}", **auth, **{"Idempotency-Key": "k"}) == 200
    finally:
        server.shutdown()
        server.server_close()
