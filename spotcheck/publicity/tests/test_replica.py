"""The public portal reads from a replica when one is configured (DATABASE_REPLICA_URL); the
staff pages, the writes and everything else stay on the primary.

The replica here is a second connection alias to the same database: what the router sends to
it shows in that connection's queries, not in the primary's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spotcheck.core.db_routing import REPLICA, ReplicaRouter
from spotcheck.draws import services
from spotcheck.draws.tests.factories import World, b_spec, make_entities

BASE_DIR = Path(__file__).resolve().parents[3]


@pytest.fixture
def replica(settings: Any) -> Any:
    """The portal reads from "replica", the second alias of the test database (conftest.py)."""
    settings.PORTAL_READ_DATABASE = REPLICA
    return connections[REPLICA]


def _reads(queries: CaptureQueriesContext, table: str) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if table in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")]


@pytest.fixture
def published(departments: Any, make_user: Any, settings: Any, tmp_path: Path) -> Any:
    settings.SPOTCHECK_DRAWS_DIR = str(tmp_path / "draws")
    world = World(make_user)
    make_entities(9)
    draw = world.executed(spec=b_spec())
    services.draw_publish(acting_user=world.planner, draw=draw)
    return world, draw


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_the_portal_reads_from_the_replica_and_the_staff_pages_from_the_primary(
        client: Any, published: Any, replica: Any) -> None:
    world, draw = published
    for url in (reverse("publicity:draws"), reverse("publicity:draw", args=[draw.code])):
        with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connection) as on_primary:
            page = client.get(url)
        assert page.status_code == 200 and draw.code in page.content.decode()
        assert _reads(on_replica, "draws_draw"), url
        assert not _reads(on_primary, "draws_draw"), url
    client.force_login(world.planner)  # a staff page of the same draw: the primary only
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connection) as on_primary:
        page = client.get(reverse("draws:detail", args=[draw.pk]))
    assert page.status_code == 200
    assert on_replica.captured_queries == [] and _reads(on_primary, "draws_draw")


@pytest.mark.django_db(transaction=True)
def test_without_a_replica_the_portal_reads_from_the_primary(client: Any, published: Any) -> None:
    _, draw = published
    with CaptureQueriesContext(connection) as on_primary:
        page = client.get(reverse("publicity:draw", args=[draw.code]))
    assert page.status_code == 200 and _reads(on_primary, "draws_draw")


def test_the_router_writes_to_the_primary_and_never_migrates_the_replica() -> None:
    router = ReplicaRouter()
    assert router.db_for_read(None) is None  # outside a portal request, and no replica set
    assert router.db_for_write(None) == "default"
    assert router.allow_migrate(REPLICA, "draws") is False
    assert router.allow_migrate("default", "draws") is None


def test_the_replica_alias_comes_from_database_replica_url() -> None:
    code = ("import django, json; django.setup(); from django.conf import settings as s; "
            "print(json.dumps({a: [d['NAME'], d['HOST'], d['TEST'].get('MIRROR')] "
            "for a, d in s.DATABASES.items()}))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": "postgres://u@primary.invalid:5432/spotcheck",
           "DATABASE_REPLICA_URL": "postgres://u@replica.invalid:5432/spotcheck"}
    out = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                         check=True)
    databases = json.loads(out.stdout.strip().splitlines()[-1])
    assert databases["replica"] == ["spotcheck", "replica.invalid", "default"]
    assert databases["default"][1] == "primary.invalid"
    env.pop("DATABASE_REPLICA_URL")
    out = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                         check=True)
    assert "replica" not in json.loads(out.stdout.strip().splitlines()[-1])
