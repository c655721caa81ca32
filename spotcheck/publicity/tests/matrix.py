"""Permission matrix of the public portal: every page is open to everyone, signed in or not."""

from __future__ import annotations

from typing import Any

from spotcheck.core.tests.matrix import ALL_ROLES, Case


def published() -> dict[str, Any]:
    from spotcheck.draws.tests.matrix import published as published_draw

    return {"code": published_draw().code}


def announced() -> dict[str, Any]:
    from spotcheck.draws.tests.matrix import _announced

    return {"code": _announced()[1].code}


CASES = [
    Case("publicity:index", ALL_ROLES, public=True),
    Case("publicity:draws", ALL_ROLES, public=True),
    Case("publicity:draw", ALL_ROLES, setup=announced, public=True),
    Case("publicity:draw", ALL_ROLES, setup=published, public=True, query="?page=1"),
    Case("publicity:draw_bundle", ALL_ROLES, setup=published, public=True),
    Case("publicity:verifier", ALL_ROLES, public=True),
    Case("publicity:audit_anchors", ALL_ROLES, public=True),
]
