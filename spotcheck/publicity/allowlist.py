"""The one list of what is published, per kind of record: pages, the public API and the
deliveries (R-R2) show these fields and nothing else. Personal data never appears here (the
names of individual businesses are masked before they are stored, ``publicity.services``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

PUBLISHED_FIELDS: dict[str, tuple[str, ...]] = {
    # publicity.PublishedResult (R-R2)
    "result": ("id", "version", "uscc", "entity_name", "division_id", "department_name",
               "departments", "source", "plan_title", "item_code", "item_name", "result_code",
               "result_text", "follow_up", "inspected_on", "published_at", "reason", "withdrawn"),
    # publicity.Complaint: the tracking number, what it was about and the published outcome;
    # never the complainant's text or contact (R-S4).
    "complaint": ("tracking_no", "division_id", "about", "status", "received_at", "answered_at",
                  "outcome"),
    # oversight.Notification, once published (R-S3): the text the office wrote and the
    # figures by department name; never who issued it, nor the report's lists (which name
    # enterprises and staff).
    "notification": ("id", "number", "title", "body", "division_id", "scope_name", "year", "quarter",
                     "period_label", "figures", "issued_at", "published_at"),
    # planning.Plan, approved or later (R-P3)
    "plan": ("code", "title", "year", "target_class", "is_joint", "special", "window_start",
             "window_end", "frequency_per_year", "status"),
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def public_record(kind: str, obj: Any) -> dict[str, Any]:
    """The published fields of ``obj`` as plain JSON values."""
    return {name: _plain(getattr(obj, name)) for name in PUBLISHED_FIELDS[kind]}
