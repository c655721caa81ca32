"""Every URL of the item list, and who may open it (see core/tests/matrix.py)."""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import Case, roles

READERS = roles(Role.DEPT_ADMIN, Role.PLANNER, Role.INSPECTOR, Role.OFFICE, Role.JUSTICE)
FILING_READERS = roles(Role.DEPT_ADMIN, Role.PLANNER, Role.OFFICE, Role.JUSTICE)
ADMIN = roles(Role.DEPT_ADMIN)


def _item() -> dict[str, Any]:
    from spotcheck.catalog.tests.factories import InspectionItemFactory

    return {"pk": InspectionItemFactory.create().pk}


def _entry() -> dict[str, Any]:
    from spotcheck.catalog.tests.factories import PowerEntryFactory

    return {"pk": PowerEntryFactory.create().pk}


def _filing() -> dict[str, Any]:
    from spotcheck.catalog.tests.factories import ItemListFilingFactory

    return {"pk": ItemListFilingFactory.create().pk}


def _filed() -> dict[str, Any]:
    _filing()
    return {}



def _job() -> dict[str, Any]:
    from spotcheck.core.imports.models import ImportJob, ImportStatus

    job = ImportJob.objects.create(kind="catalog.item", file_name="a.csv", file_path="/nonexistent/a.csv",
                                   file_format="csv", department_code="361100-ENV",
                                   status=ImportStatus.SUCCEEDED)
    return {"pk": job.pk}


CASES = [
    Case("catalog:items", READERS),
    Case("catalog:items", READERS, query="?year=&class=A&joint=1&active=&q=检查"),
    Case("catalog:item_create", ADMIN),
    Case("catalog:item_carry_over", ADMIN, method="post", ok_status=302, data={"from_year": "1999"}),
    Case("catalog:item_detail", READERS, setup=_item),
    Case("catalog:item_edit", ADMIN, setup=_item),
    Case("catalog:powers", READERS),
    Case("catalog:power_create", ADMIN),
    Case("catalog:power_edit", ADMIN, setup=_entry),
    Case("catalog:filings", FILING_READERS),
    Case("catalog:file", ADMIN, method="post", ok_status=302, data={"year": "1999",
                                                                   "kind": "annual"}),
    Case("catalog:filing_detail", FILING_READERS, setup=_filing),
    Case("catalog:public_items", frozenset(), public=True, setup=_filed),
    Case("catalog:public_items", frozenset(), public=True, setup=_filed,
         query="?division=361100&kind=joint_a"),
    Case("api:catalog-powers", READERS),
    Case("api:catalog-power", READERS, setup=_entry),
    Case("api:catalog-items", READERS),
    Case("api:catalog-item", READERS, setup=_item),
    Case("api:catalog-filings", FILING_READERS),
    Case("api:catalog-filing", FILING_READERS, setup=_filing),
    Case("api:catalog-public-items", frozenset(), public=True, setup=_filed),
    Case("catalog:import", ADMIN),
    Case("catalog:import_template", ADMIN, setup=lambda: {"fmt": "csv"}),
    Case("catalog:import_job", ADMIN, setup=_job),
    Case("catalog:import_progress", ADMIN, setup=_job),
    Case("catalog:import_report", ADMIN, setup=_job),
    Case("catalog:import_resume", ADMIN, setup=_job, method="post", ok_status=302),
]
