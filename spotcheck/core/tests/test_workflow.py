"""The shared workflow helper (STYLE 5): one table type, one refusal, one guarded update."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from spotcheck.accounts.models import User
from spotcheck.core.domain.workflow import TransitionRefused, TransitionTable, guarded_update, next_state


class Light(StrEnum):
    RED = "red"
    GREEN = "green"


class Turn(StrEnum):
    GO = "go"
    STOP = "stop"


LIGHTS = TransitionTable({(Light.RED, Turn.GO): Light.GREEN, (Light.GREEN, Turn.STOP): Light.RED},
                         lambda state, turn: f"“{state}”时不能{turn}。")


def test_next_state_reads_the_table_with_stored_strings() -> None:
    assert next_state(LIGHTS, "red", Turn.GO) is Light.GREEN
    assert next_state(LIGHTS, Light.GREEN, Turn.STOP) is Light.RED
    assert LIGHTS.actions_from("red") == [Turn.GO]
    assert LIGHTS.actions_from("gone") == []


@pytest.mark.parametrize("state", ["green", "gone", None])
def test_anything_outside_the_table_is_refused_with_the_apps_message(state: Any) -> None:
    with pytest.raises(TransitionRefused) as info:
        next_state(LIGHTS, state, Turn.GO)
    assert info.value.message == f"“{state}”时不能go。" == str(info.value)
    assert (info.value.state, info.value.action) == (state, Turn.GO)


@pytest.mark.django_db
def test_a_guarded_update_applies_once(make_user: Any) -> None:
    user = make_user("planner", "361100-ENV", display_name="甲")
    rows = User.objects.filter(pk=user.pk)
    assert guarded_update(rows, field="display_name", expected="甲", new="乙", is_active=False)
    # The second actor expected the old value: nothing applies, nothing is overwritten.
    assert not guarded_update(rows, field="display_name", expected="甲", new="丙")
    user.refresh_from_db()
    assert (user.display_name, user.is_active) == ("乙", False)
