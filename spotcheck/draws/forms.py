"""Forms of the draw pages. The prepare form picks the approved plan the draw belongs to;
every rule is checked in the service, not here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from spotcheck.draws.hooks import plan_gate


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PrepareForm(forms.Form):
    """The draw of an approved plan (R-P3): the plan gives the population, quota, window and
    team; the form adds the public beacon, the hash and the exclusions."""

    plan: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="抽查计划（经审核批准、尚未抽取）", queryset=None)
    title = forms.CharField(label="抽取名称（留空则用计划名称）", max_length=200, required=False)
    beacon_kind = forms.CharField(label="公开信标类型", required=False, max_length=64, initial="lottery",
                                  help_text="英文代码，如 lottery（彩票开奖号码）")
    beacon_description = forms.CharField(
        label="信标说明", required=False, max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "如：福彩3D 2027150期开奖号码（3 位数字）"}))
    beacon_at = forms.DateTimeField(label="信标产生时间", required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    hash_name = forms.ChoiceField(label="哈希算法", choices=[("sha256", "SHA-256"), ("sm3", "SM3")],
                                  initial="sha256")
    excluded_usccs = forms.CharField(
        label="排除名单（每行一个统一社会信用代码，如本年度已就同一事项检查的主体）", required=False,
        widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The approved plans not yet drawn, registered by planning (above draws): the office
        # organises for its division, departments their own.
        choice: Any = self.fields["plan"]
        choice.queryset = plan_gate().offered(user)
        choice.label_from_instance = (
            lambda p: f"{p.code} {p.title}（{p.window_start:%m-%d}至{p.window_end:%m-%d}）")

    def spec(self) -> dict[str, Any]:
        """What the draw adds to its plan's specification (``domain.spec``): beacon and hash."""
        data = self.cleaned_data
        spec: dict[str, Any] = {"hash": data["hash_name"]}
        if data.get("beacon_kind") and data.get("beacon_description"):
            at = data.get("beacon_at")
            spec["beacon"] = {"kind": data["beacon_kind"], "description": data["beacon_description"],
                              "at": timezone.localtime(at).isoformat() if at else ""}
        return spec

    def excluded(self) -> list[str]:
        return _lines(self.cleaned_data.get("excluded_usccs", ""))


class CommitForm(forms.Form):
    secret = forms.CharField(
        label="秘密值（留空则由系统生成）", required=False, max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="至少 16 个字符。平台只保存它的哈希（承诺值）；请自行妥善保管，抽取时由您本人输入揭示。")


class RevealForm(forms.Form):
    party = forms.CharField(widget=forms.HiddenInput, required=False)
    secret = forms.CharField(label="秘密值", max_length=200,
                             widget=forms.PasswordInput(attrs={"autocomplete": "off"}))


class BeaconForm(forms.Form):
    value = forms.CharField(label="信标值", max_length=200)


class CancelForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=500)


class SubstituteForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=18)
    reason = forms.CharField(label="替补原因", max_length=500)
