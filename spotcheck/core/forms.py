"""What every app's forms share: a service's refusal shown on the form, the date input."""

from __future__ import annotations

from typing import Any

from django import forms

from spotcheck.core.errors import ServiceError


def apply_service_error(form: forms.Form, exc: ServiceError) -> None:
    """Show a service's refusal on the form: on each named field it has, else on top."""
    placed = False
    for name, messages in exc.fields.items():
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)
            placed = True
    if not placed or any(name not in form.fields for name in exc.fields):
        form.add_error(None, exc.message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)
