"""Handwritten signatures on the screen of one device: the second inspector signs on the
first one's phone after their own password, so the signature is theirs; the enterprise's
representative signs on the screen or their refusal is recorded. The image is kept outside
the database with its SM3 digest and goes into the file (R-S6); bad input is refused in
Chinese with nothing written."""

from __future__ import annotations

import base64
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import PASSWORD
from spotcheck.audit.models import AuditEvent
from spotcheck.core import clock
from spotcheck.core.crypto import sm3_hex
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.inspections import archive, form_services, visits
from spotcheck.inspections.models import FormSignature, JointInspection, SignatureMethod, TaskMember
from spotcheck.inspections.tests import factories as f
from spotcheck.inspections.tests.test_one_form import _complete

pytestmark = pytest.mark.usefixtures("spring")
ENV = "361100-ENV"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")}}}
    return tmp_path / "media"


@pytest.fixture
def team(make_user: Any) -> tuple[Any, Any]:
    return make_user(Role.INSPECTOR, ENV), make_user(Role.INSPECTOR, ENV)


@pytest.fixture
def joint(office: Any, team: tuple[Any, Any]) -> JointInspection:
    return f.joint_of_two(office, team, name="上饶手写签名样本有限公司")


def png(stroke: int = 40) -> bytes:
    image = Image.new("RGB", (300, 100), "white")
    for x in range(10, 10 + stroke):
        image.putpixel((x, 50), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def data_url(content: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(content).decode("ascii")


def _cert(user: Any, joint: JointInspection) -> str:
    return TaskMember.objects.filter(task__joint=joint, inspector__user=user).values_list(
        "certificate_no", flat=True).first() or ""


@pytest.fixture
def completed(team: Any, joint: JointInspection, on_day: Any) -> JointInspection:
    on_day(date(2027, 6, 10))
    _complete(team[0], joint)
    return JointInspection.objects.get(pk=joint.pk)


def test_the_second_inspector_signs_on_the_first_ones_phone_with_their_own_password(
        team: Any, completed: JointInspection) -> None:
    image = png()
    form_services.visit_sign(acting_user=team[0], visit=completed)
    signature = form_services.visit_sign_on_screen(
        acting_user=team[0], visit=completed, certificate_no=_cert(team[1], completed),
        password=PASSWORD, image=data_url(image))
    assert signature.method == SignatureMethod.ON_SCREEN and signature.inspector is not None
    assert signature.inspector.user_id == team[1].pk and signature.recorded_by_id == team[0].pk
    assert signature.image_sm3 == sm3_hex(image)
    assert default_storage.open(signature.image_path, "rb").read() == image
    assert len(visits.signature_state(completed).inspectors) == 2
    assert AuditEvent.objects.filter(action="inspections.form_sign_screen").count() == 1
    # Once only: neither again on the screen nor from their account.
    with pytest.raises(Conflict):
        form_services.visit_sign_on_screen(acting_user=team[0], visit=completed,
                                           certificate_no=_cert(team[1], completed),
                                           password=PASSWORD, image=image)
    with pytest.raises(Conflict):
        form_services.visit_sign(acting_user=team[1], visit=completed)


def test_a_wrong_password_an_outsider_or_a_bad_image_write_nothing(
        team: Any, completed: JointInspection, make_user: Any, media: Path) -> None:
    cert = _cert(team[1], completed)
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"password": "not-the-password", "image": png()}, Refused, "密码不正确"),
        ({"password": "", "image": png()}, Refused, "密码不正确"),
        ({"password": PASSWORD, "image": b"MZ\x90\x00" + bytes(100)}, ServiceError, "PNG"),
        ({"password": PASSWORD, "image": "data:image/png;base64,@@@"}, ServiceError, "编码有误"),
        ({"password": PASSWORD, "image": b"\x89PNG\r\n\x1a\n" + bytes(600 * 1024)}, ServiceError, "KB"),
        ({"password": PASSWORD, "image": ""}, ServiceError, "签名"),
        ({"password": PASSWORD, "image": png(), "certificate_no": "NOT-ON-TEAM"}, Refused,
         "不在该检查的检查组"),
    ]
    for kwargs, error, words in cases:
        args = {"certificate_no": cert, **kwargs}
        with pytest.raises(error, match=words):
            form_services.visit_sign_on_screen(acting_user=team[0], visit=completed, **args)
    outsider = make_user(Role.INSPECTOR, ENV)  # not on the team: their phone cannot collect signatures
    with pytest.raises(Refused, match="检查组成员"):
        form_services.visit_sign_on_screen(acting_user=outsider, visit=completed, certificate_no=cert,
                                           password=PASSWORD, image=png())
    assert not FormSignature.objects.filter(joint=completed).exists()
    assert not (media / "signatures").exists() or not any((media / "signatures").rglob("*.png"))
    refused = AuditEvent.objects.filter(action="inspections.form_sign_screen").exclude(outcome="success")
    assert refused.count() >= 8


def test_the_enterprise_signs_on_the_screen_or_refuses_and_the_file_holds_the_images(
        team: Any, completed: JointInspection) -> None:
    with pytest.raises(ServiceError, match="不应附手写签名"):
        form_services.visit_enterprise_sign(acting_user=team[0], visit=completed, representative="王五",
                                            refused=True, note="拒签", image=png())
    form_services.visit_sign(acting_user=team[0], visit=completed)
    form_services.visit_sign_on_screen(acting_user=team[0], visit=completed,
                                       certificate_no=_cert(team[1], completed), password=PASSWORD,
                                       image=png(60))
    ent = form_services.visit_enterprise_sign(acting_user=team[0], visit=completed, representative="王五",
                                              image=data_url(png(80)))
    assert ent.method == SignatureMethod.ON_SCREEN and ent.image_sm3 == sm3_hex(png(80))
    assert visits.signature_state(completed).problem is None
    built = archive.build(completed)
    images = [n for n in built.parts if n.startswith("signatures/")]
    assert len(images) == 2 and archive.verify(built.manifest, built.parts) == []
    assert sm3_hex(png(80)) in built.parts["signatures.json"].decode()
    # A signature image changed on disk is named.
    with default_storage.open(ent.image_path, "wb") as fh:
        fh.write(png(5))
    with pytest.raises(ServiceError, match="篡改"):
        archive.build(completed)


def test_the_enterprise_refusal_is_a_record_not_a_missing_signature(
        team: Any, completed: JointInspection) -> None:
    refusal = form_services.visit_enterprise_sign(acting_user=team[0], visit=completed, representative="王五",
                                                  refused=True, note="拒绝签字，称需请示总部")
    assert refusal.method == SignatureMethod.REFUSED and refusal.image_path == ""
    assert "企业代表" not in (visits.signature_state(completed).problem or "")


def test_the_signature_pad_page(client: Any, team: Any, completed: JointInspection) -> None:
    url = reverse("inspections:joint_form", args=[completed.pk])
    type(team[0]).objects.filter(pk=team[0].pk).update(password_changed_at=clock.now())
    client.force_login(team[0])
    page = client.get(url).content.decode()
    assert "data-signature-pad" in page and "signature-pad.js" in page and _cert(team[1], completed) in page
    response = client.post(reverse("inspections:form_sign_screen", args=["joint", completed.pk]),
                           {"certificate_no": _cert(team[1], completed), "password": PASSWORD,
                            "image": data_url(png())}, follow=True)
    assert "的手写签名" in response.content.decode()
    response = client.post(reverse("inspections:form_sign_screen", args=["joint", completed.pk]),
                           {"certificate_no": _cert(team[0], completed), "password": "wrong",
                            "image": data_url(png())}, follow=True)
    assert "密码不正确" in response.content.decode()
    assert FormSignature.objects.filter(joint=completed).count() == 1
