"""What is due for a user on their home page: each app contributes sections.

A provider takes the user and returns sections (title, rows, empty text) built from real
queries, or nothing when the section is not for that user.

Each app keeps its providers in its ``home`` module, imported when a home page is first
built (``discover``), not at start-up: a command or a worker that shows no home page does
not load every app's selectors. Sections come in the order of ``INSTALLED_APPS``, then of
their definition in the module, whichever module was imported first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.module_loading import autodiscover_modules


@dataclass
class DueRow:
    text: str
    url: str = ""
    when: str = ""


@dataclass
class DueSection:
    title: str
    rows: list[DueRow] = field(default_factory=list)
    empty_text: str = "暂无待办事项。"
    more_url: str = ""


Provider = Callable[[Any], list[DueSection]]
PROVIDERS: list[Provider] = []
_ordered: list[Provider] = []  # PROVIDERS in app order, rebuilt when one is added


def provider(func: Provider) -> Provider:
    PROVIDERS.append(func)
    _ordered.clear()
    return func


def discover() -> list[Provider]:
    """Every installed app's ``home`` module imported (once; later calls find them loaded),
    and the providers in the order of the apps that define them."""
    if not _ordered:
        autodiscover_modules("home")
        names = [config.name for config in apps.get_app_configs()]

        def app_index(func: Provider) -> int:
            config = apps.get_containing_app_config(func.__module__)
            return names.index(config.name) if config is not None else len(names)

        _ordered[:] = sorted(PROVIDERS, key=app_index)  # stable: definition order within an app
    return _ordered


def sections_for(user: Any) -> list[DueSection]:
    sections: list[DueSection] = []
    for func in discover():
        sections.extend(func(user))
    return sections
