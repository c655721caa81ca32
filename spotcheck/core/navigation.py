"""Navigation by role: each entry shows only to users holding its permission, and only to
its audience — an entry for the work of government staff (a library, the API reference)
is not shown to an enterprise even where a permission on its own records lets it in.

Core imports no app: each app registers its own entries (and their audience predicate) in
its ``AppConfig.ready``, in ``INSTALLED_APPS`` order."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.urls import get_script_prefix, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str
    audience: Any = None  # a predicate of the user; None: everyone holding ``perm``

    def shows_to(self, user: Any) -> bool:
        return bool(user.has_perm(self.perm) and (self.audience is None or self.audience(user)))


# Apps append their entries in AppConfig.ready(); order here is the menu's order. The
# accounts and audit entries stand first: apps insert theirs before the audit trail.
NAV_ITEMS: list[NavItem] = [
    NavItem("工作台", "home", "core.view_home"),
    NavItem("账户管理", "accounts:users", "accounts.view_user"),
    NavItem("审计日志", "audit:events", "audit.view_auditevent"),
]


def register(item: NavItem, *, before: str | None = None) -> None:
    if any(existing.url_name == item.url_name for existing in NAV_ITEMS):
        return
    if before is not None:
        for index, existing in enumerate(NAV_ITEMS):
            if existing.url_name == before:
                NAV_ITEMS.insert(index, item)
                return
    NAV_ITEMS.append(item)


@cache
def _url(url_name: str, prefix: str) -> str:
    """An entry's address, found once per process (and script prefix): the URLconf does not
    change while the process runs, and the menu is on every page."""
    return reverse(url_name)


def items_for(user: Any) -> list[dict[str, str]]:
    prefix = get_script_prefix()
    return [{"label": item.label, "url": _url(item.url_name, prefix), "url_name": item.url_name}
            for item in NAV_ITEMS if item.shows_to(user)]
