"""``manage.py archive_export DEPARTMENT YEAR --as USER`` (R-S6): the export as that office,
its visits counted on one line; a refusal or an unknown department or account ends the
command with the message."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from spotcheck.inspections.models import ArchiveExport, ExportStatus
from spotcheck.inspections.tests.test_archive import ENV, done, media
from spotcheck.inspections.tests.test_archive import f as factories

pytestmark = pytest.mark.usefixtures("spring")
__all__ = ["done", "media"]


@pytest.mark.django_db
def test_the_office_exports_on_the_command_line(done: dict[str, Any], office: Any) -> None:
    out = io.StringIO()
    call_command("archive_export", ENV, str(factories.YEAR), "--as", office.username, stdout=out)
    export = ArchiveExport.objects.get()
    assert (export.status, export.done, export.total, export.created_by) == (ExportStatus.DONE, 1, 1, office)
    assert out.getvalue() == f"\r1/1\n已导出 1 份档案：{export.path}（SM3 {export.sm3}）\n"
    for department, user in (("361100-NOPE", office.username), (ENV, "nobody")):
        with pytest.raises(CommandError, match=r"^部门或账号不存在。$"):
            call_command("archive_export", department, str(factories.YEAR), "--as", user,
                         stdout=io.StringIO())
    with pytest.raises(CommandError, match="只有本行政区划的联席办"):
        call_command("archive_export", ENV, str(factories.YEAR), "--as", done["env"].username,
                     stdout=io.StringIO())
    assert ArchiveExport.objects.count() == 1
