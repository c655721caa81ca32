"""What is due for a user on their home page: each app contributes sections.

A provider takes the user and returns sections (title, rows, empty text) built from real
queries, or nothing when the section is not for that user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


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


def provider(func: Provider) -> Provider:
    PROVIDERS.append(func)
    return func


def sections_for(user: Any) -> list[DueSection]:
    sections: list[DueSection] = []
    for func in PROVIDERS:
        sections.extend(func(user))
    return sections
