"""Forms of the plan editor and the calendar. They only shape input; every rule is the
services' (the editor shows the services' messages on the fields they name)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms

from spotcheck.accounts.models import Department, Division
from spotcheck.catalog.services import industry_sections
from spotcheck.draws.domain.spec import DIMENSIONS
from spotcheck.draws.selectors import division_codes
from spotcheck.planning import selectors
from spotcheck.planning.domain.calendar import YearCalendar
from spotcheck.planning.domain.quota import KIND_LABELS, RISK_LABELS, quota_entries
from spotcheck.planning.models import Plan
from spotcheck.registry.models import KeyFieldTag
from spotcheck.roster.forms import DateInput
from spotcheck.roster.models import Tag, TagKind

LINE = re.compile(r"^\s*([A-Za-z0-9_.:-]{1,64})\s*[=:：,，\s]\s*(-?\d+)\s*$")
QUOTA_KIND_CHOICES = [("rates", "按比例（万分比）"), ("counts", "按数量（户）"),
                      ("total", "按总数（户，按分层规模分配）")]
ROUNDING_CHOICES = [("ceil", "向上取整（比例为下限）"), ("floor", "向下取整（比例为上限，A 类必选）")]


def _checkboxes(choices: list[tuple[str, str]], label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)


class PlanForm(forms.Form):
    title = forms.CharField(label="计划名称", max_length=200)
    year = forms.TypedChoiceField(label="计划年度", coerce=int)
    window_start = forms.DateField(label="实施期开始", widget=DateInput())
    window_end = forms.DateField(label="实施期结束", widget=DateInput())
    frequency_per_year = forms.IntegerField(label="抽查频次（次/年）", min_value=1, max_value=12, initial=1)
    special = forms.BooleanField(label="专项计划（单独录入，R-P2）", required=False)
    special_reason = forms.CharField(label="专项计划说明", max_length=500, required=False)
    items = forms.TypedMultipleChoiceField(label="检查事项", coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    divisions = forms.MultipleChoiceField(label="行政区划（不选：本级及所辖全部）", required=False,
                                          widget=forms.CheckboxSelectMultiple)
    industries = _checkboxes([], "行业门类（不选：全部）")
    kinds = _checkboxes(list(KIND_LABELS.items()), "市场主体类型（不选：全部）")
    tags = forms.MultipleChoiceField(label="重点领域（不选：不限）", required=False,
                                     widget=forms.CheckboxSelectMultiple)
    risk_levels = _checkboxes(list(RISK_LABELS.items()), "信用风险等级（不选：全部）")
    strata = _checkboxes(list(DIMENSIONS.items()), "分层维度（不选：不分层）")
    quota_kind = forms.ChoiceField(label="抽取方式", choices=QUOTA_KIND_CHOICES, initial="rates")
    rounding = forms.ChoiceField(label="取整方式", choices=ROUNDING_CHOICES, initial="ceil")
    quota_default = forms.IntegerField(label="其余分层（万分比或户数）", required=False, min_value=0,
                                       help_text="未单独列出的分层都按此值；500 万分比 = 5%")
    quota_lines = forms.CharField(
        label="各分层单独设置", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一个：分层 数值，如“risk.high 3000”（高风险 30%）")
    quota_total = forms.IntegerField(label="抽取总数（户）", required=False, min_value=1)
    team_size = forms.IntegerField(label="执法检查人员人数", min_value=2, max_value=12, initial=2,
                                   help_text="至少 2 名执法检查人员（R-I2）")
    team_tags = forms.MultipleChoiceField(label="执法资格要求", required=False,
                                          widget=forms.CheckboxSelectMultiple)
    experts = forms.IntegerField(label="专家人数（可选）", min_value=0, max_value=10, initial=0)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, owner: Department, target_class: str, today: date,
                 plan: Plan | None = None, preview: bool = False, **kwargs: Any) -> None:
        data = args[0] if args else kwargs.get("data")
        if plan is not None and data is None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(plan)
        super().__init__(*args, **kwargs)
        self.owner, self.target_class, self.plan = owner, target_class, plan
        years = sorted({today.year, today.year + 1} | ({plan.year} if plan else set()))
        self.fields["year"].choices = [(y, f"{y} 年") for y in years]  # type: ignore[attr-defined]
        self.fields["year"].initial = today.year
        items = [i for y in years for i in selectors.items_to_plan(owner, y, target_class)]
        self.fields["items"].choices = [  # type: ignore[attr-defined]
            (i.pk, f"{i.year}｜{i.department.name if target_class == 'A' else ''}{i.code} {i.name}")
            for i in items]
        names = dict(Division.objects.values_list("code", "name"))
        scope = sorted(division_codes([owner.division_id]))
        self.fields["divisions"].choices = [(c, names.get(c, c)) for c in scope]  # type: ignore[attr-defined]
        self.fields["industries"].choices = [  # type: ignore[attr-defined]
            (k, f"{k} {v}") for k, v in industry_sections().items()]
        self.fields["tags"].choices = [  # type: ignore[attr-defined]
            (t, t) for t in KeyFieldTag.objects.filter(is_active=True).values_list("name", flat=True)]
        tags = Tag.objects.filter(is_active=True, kind=TagKind.QUALIFICATION)
        tags = (tags.filter(department__division_id=owner.division_id) if target_class == "A"
                else tags.filter(department=owner))
        self.fields["team_tags"].choices = [  # type: ignore[attr-defined]
            (t.code, f"{t.label}（{t.code}）") for t in tags.select_related("department")]
        # A new plan starts in the class's first window of the year (R-Q1; class C: the rest
        # of the year), so the editor can show figures before anything is typed.
        calendar = selectors.calendar_for(owner.division_id, today.year)
        windows = calendar.windows_for(target_class)
        if windows:
            upcoming = [w for w in windows if w.end >= today] or list(windows)
            self.fields["window_start"].initial, self.fields["window_end"].initial = (
                upcoming[0].start, upcoming[0].end)
        else:
            self.fields["window_start"].initial = today
            self.fields["window_end"].initial = date(today.year, 12, 31)
        if preview:
            self.fields["title"].required = False  # the figures do not need a name
        if target_class == "A":
            self.fields["rounding"].initial = "floor"
        if target_class == "C":
            self.fields["quota_default"].initial = 10000  # R-C2: everyone, every year
        elif plan is None:
            self.fields["quota_default"].initial = 1000 if target_class == "A" else 500

    def clean_quota_lines(self) -> dict[str, int]:
        values: dict[str, int] = {}
        for no, line in enumerate((self.cleaned_data.get("quota_lines") or "").splitlines(), 1):
            if not line.strip():
                continue
            match = LINE.match(line)
            if match is None:
                raise forms.ValidationError(
                    f"第 {no} 行“{line.strip()}”格式应为“分层 数值”，如 risk.high 3000。")
            values[match.group(1)] = int(match.group(2))
        return values

    def service_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        kind = d["quota_kind"]
        quota: dict[str, Any] = {"kind": kind}
        if kind == "total":
            quota["total"] = d.get("quota_total")
        else:
            quota["rates_bp" if kind == "rates" else "counts"] = d.get("quota_lines") or {}
            if d.get("quota_default") is not None:
                quota["default_bp" if kind == "rates" else "default"] = d["quota_default"]
            quota["rounding"] = d["rounding"]
        names = ("title", "year", "window_start", "window_end", "frequency_per_year", "special",
                 "special_reason", "items", "divisions", "industries", "kinds", "tags", "risk_levels",
                 "strata", "team_size", "team_tags", "experts", "note")
        values: dict[str, Any] = {k: d.get(k) for k in names}
        values["quota"] = quota
        values["title"] = values["title"] or "（未命名计划）"
        if self.plan is None:
            values["target_class"] = self.target_class
        return values


def initial_of(plan: Plan) -> dict[str, Any]:
    entries, total = quota_entries(plan.quota)
    return {
        "title": plan.title, "year": plan.year, "window_start": plan.window_start,
        "window_end": plan.window_end, "frequency_per_year": plan.frequency_per_year,
        "special": plan.special, "special_reason": plan.special_reason,
        "items": list(plan.plan_items.values_list("item_id", flat=True)),
        "divisions": plan.divisions, "industries": plan.industries, "kinds": plan.kinds,
        "tags": plan.tags, "risk_levels": plan.risk_levels, "strata": plan.strata,
        "quota_kind": plan.quota.get("kind", "rates"), "rounding": plan.quota.get("rounding", "ceil"),
        "quota_lines": "\n".join(f"{k} {v}" for k, v in entries.items()), "quota_total": total,
        "team_size": plan.team_size, "team_tags": plan.team_tags, "experts": plan.experts,
        "note": plan.note,
    }


class CalendarForm(forms.Form):
    a_start = forms.DateField(label="A类实施期开始", widget=DateInput())
    a_end = forms.DateField(label="A类实施期结束", widget=DateInput())
    b1_start = forms.DateField(label="B类第一实施期开始", widget=DateInput())
    b1_end = forms.DateField(label="B类第一实施期结束", widget=DateInput())
    b2_start = forms.DateField(label="B类第二实施期开始", widget=DateInput(), required=False)
    b2_end = forms.DateField(label="B类第二实施期结束", widget=DateInput(), required=False)
    plan_deadline = forms.DateField(label="计划录入截止日（R-P2）", widget=DateInput())
    roster_deadline = forms.DateField(label="联合检查人员名录更新截止日（R-I3）", widget=DateInput())
    list_filing_deadline = forms.DateField(label="A类联合检查事项清单报送截止日（R-L2）", widget=DateInput())

    @staticmethod
    def initial_for(calendar: YearCalendar) -> dict[str, Any]:
        a = calendar.windows.get("A", ())
        b = calendar.windows.get("B", ())
        out: dict[str, Any] = {"plan_deadline": calendar.plan_deadline,
                               "roster_deadline": calendar.roster_deadline,
                               "list_filing_deadline": calendar.list_filing_deadline}
        if a:
            out.update(a_start=a[0].start, a_end=a[0].end)
        for i, w in enumerate(b[:2], 1):
            out.update({f"b{i}_start": w.start, f"b{i}_end": w.end})
        return out

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if bool(d.get("b2_start")) != bool(d.get("b2_end")):
            raise forms.ValidationError("B类第二实施期请同时填写开始和结束日期，或都不填。")
        return d

    def service_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        b = [[d["b1_start"], d["b1_end"]]]
        if d.get("b2_start"):
            b.append([d["b2_start"], d["b2_end"]])
        return {"windows": {"A": [[d["a_start"], d["a_end"]]], "B": b},
                "plan_deadline": d["plan_deadline"], "roster_deadline": d["roster_deadline"],
                "list_filing_deadline": d["list_filing_deadline"]}


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=32)
    reason = forms.CharField(label="意见或理由", required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
