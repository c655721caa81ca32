"""Forms of the plan editor and the calendar. They only shape input; every rule is the
services' (the editor shows the services' messages on the fields they name)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from spotcheck.accounts.divisions import division_codes
from spotcheck.accounts.models import Department
from spotcheck.core import clock
from spotcheck.core.forms import DateInput
from spotcheck.core.reference import industry_sections
from spotcheck.draws.domain.spec import DIMENSIONS
from spotcheck.planning import selectors
from spotcheck.planning.domain.calendar import YearCalendar
from spotcheck.planning.domain.quota import (
    INDUSTRY_SECTIONS,
    KIND_LABELS,
    RISK_LABELS,
    RISK_PRESETS,
    QuotaError,
    StrataScope,
    possible_strata,
    quota_entries,
    rates_by_risk,
    risk_of,
    stratum_label,
)
from spotcheck.planning.models import Plan
from spotcheck.planning.wording import bp_of, division_names, percent_value, split_default
from spotcheck.registry.models import KeyFieldTag
from spotcheck.roster.models import Tag, TagKind

QUOTA_KIND_CHOICES = [("rates", "按比例（%）"), ("counts", "按数量（户）"),
                      ("total", "按总数（户，按各分层主体数分配）")]
# Per-stratum boxes are offered for every stratum up to this many; beyond it only the
# strata already set apart get a box (the others take the common value).
MAX_STRATUM_BOXES = 60
STRATUM_PREFIX = "s:"
ROUNDING_CHOICES = [("ceil", "向上取整（比例为下限）"), ("floor", "向下取整（比例为上限，A 类必选）")]
# R-R4: the picker of ratios by credit-risk level; a preset fills the four boxes.
RISK_CUSTOM = "custom"
RISK_PRESET_CHOICES = [("", "不按信用风险等级区分"), *[
    (key, "、".join(f"{RISK_LABELS[level]} {percent_value(bp)}%" for level, bp in rates.items()))
    for key, rates in RISK_PRESETS.items()], (RISK_CUSTOM, "自定义（在下面分别填写各等级比例）")]
RISK_RATE_PREFIX = "risk_rate_"


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
    risk_preset = forms.ChoiceField(
        label="按信用风险等级设置抽取比例（R-R4）", choices=RISK_PRESET_CHOICES, required=False,
        help_text="选择后按信用风险等级分层，各等级按所选比例抽取（差异化监管）；单独设置的分层优先。")
    quota_kind = forms.ChoiceField(label="抽取方式", choices=QUOTA_KIND_CHOICES, initial="rates")
    rounding = forms.ChoiceField(label="取整方式", choices=ROUNDING_CHOICES, initial="ceil")
    quota_default = forms.DecimalField(
        label="各分层抽取比例（%）或数量（户）", required=False, min_value=0, max_digits=7,
        decimal_places=2,
        help_text="下面未单独设置的分层都按此值：按比例填百分数，如 5 或 2.5；按数量填户数。")
    quota_total = forms.IntegerField(label="抽取总数（户）", required=False, min_value=1)
    team_size = forms.IntegerField(label="执法检查人员人数", min_value=2, max_value=12, initial=2,
                                   help_text="至少 2 名执法检查人员（R-I2）")
    team_tags = forms.MultipleChoiceField(label="执法资格要求", required=False,
                                          widget=forms.CheckboxSelectMultiple)
    experts = forms.IntegerField(label="专家人数（可选）", min_value=0, max_value=10, initial=0)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, owner: Department, target_class: str, today: date,
                 plan: Plan | None = None, preview: bool = False, year: int | None = None,
                 **kwargs: Any) -> None:
        data = args[0] if args else kwargs.get("data")
        if plan is not None and data is None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(plan)
        super().__init__(*args, **kwargs)
        self.owner, self.target_class, self.plan, self.preview = owner, target_class, plan, preview
        self._add_risk_boxes()
        # The editor opens on the planning year (clock.planning_year), or the year asked for.
        chosen = plan.year if plan is not None else year or clock.planning_year(today)
        years = sorted({*clock.years_around(today)[1:], chosen})
        self.fields["year"].choices = [(y, f"{y} 年") for y in years]  # type: ignore[attr-defined]
        self.fields["year"].initial = chosen
        self.chosen_year = self._year_of(chosen, years)
        items = [i for y in years for i in selectors.items_to_plan(owner, y, target_class)]
        self.fields["items"].choices = [  # type: ignore[attr-defined]
            (i.pk, f"{i.year}｜{i.department.name if target_class == 'A' else ''}{i.code} {i.name}")
            for i in items]
        self.scope = sorted(division_codes([owner.division_id]))
        self.division_names = division_names(self.scope)
        self.fields["divisions"].choices = [  # type: ignore[attr-defined]
            (c, self.division_names.get(c, c)) for c in self.scope]
        self.fields["industries"].choices = [  # type: ignore[attr-defined]
            (k, f"{k} {v}") for k, v in industry_sections().items()]
        self.fields["tags"].choices = [  # type: ignore[attr-defined]
            (t, t) for t in KeyFieldTag.objects.filter(is_active=True).values_list("name", flat=True)]
        tags = Tag.objects.filter(is_active=True, kind=TagKind.QUALIFICATION)
        tags = (tags.filter(department__division_id=owner.division_id) if target_class == "A"
                else tags.filter(department=owner))
        self.fields["team_tags"].choices = [  # type: ignore[attr-defined]
            (t.code, f"{t.label}（{t.code}）") for t in tags.select_related("department")]
        # A new plan starts in the class's first window of its year (R-Q1; class C: the rest
        # of the year), so the editor can show figures before anything is typed.
        self.calendar = selectors.calendar_for(owner.division_id, self.chosen_year)
        windows = self.calendar.windows_for(target_class)
        if windows:
            upcoming = [w for w in windows if w.end >= today] or list(windows)
            self.fields["window_start"].initial, self.fields["window_end"].initial = (
                upcoming[0].start, upcoming[0].end)
        else:
            self.fields["window_start"].initial = (today if today.year == self.chosen_year
                                                   else date(self.chosen_year, 1, 1))
            self.fields["window_end"].initial = date(self.chosen_year, 12, 31)
        if preview:
            self.fields["title"].required = False  # the figures do not need a name
        if target_class == "A":
            self.fields["rounding"].initial = "floor"
        if target_class == "C":
            self.fields["quota_default"].initial = 100  # R-C2: everyone, every year
        elif plan is None:
            self.fields["quota_default"].initial = 10 if target_class == "A" else 5
        self._add_stratum_boxes()

    # --- the ratio picker by credit-risk level (R-R4) ---------------------------------------

    def _add_risk_boxes(self) -> None:
        """Four percent boxes, one per level, filled from the preset picked (custom: as typed).
        A preset or custom ratios put the plan in strata by risk level: the strata boxes, the
        figures and the stored rule all follow (the draw's strata are the plan's)."""
        self.risk_fields = []
        for level, label in RISK_LABELS.items():
            key = RISK_RATE_PREFIX + level
            self.fields[key] = forms.CharField(label=f"{label}（%）", required=False, max_length=12)
            self.fields[key].widget.attrs.update({"inputmode": "decimal", "placeholder": "同统一值"})
            self.risk_fields.append(key)
        if not self.is_bound:
            return
        preset = str(self.data.get("risk_preset") or "")
        if not preset:
            return
        data: Any = self.data.copy()  # type: ignore[attr-defined]
        if preset in RISK_PRESETS:
            for level, bp in RISK_PRESETS[preset].items():
                data[RISK_RATE_PREFIX + level] = percent_value(bp)
        strata = data.getlist("strata") if hasattr(data, "getlist") else list(data.get("strata") or [])
        if "risk" not in strata:
            if hasattr(data, "setlist"):
                data.setlist("strata", [*strata, "risk"])
            else:
                data["strata"] = [*strata, "risk"]
        self.data = data

    def risk_rows(self) -> list[forms.BoundField]:
        return [self[k] for k in self.risk_fields]

    def _clean_risk_rates(self, d: dict[str, Any]) -> dict[str, int]:
        """The level rates typed (basis points); bad input is named by level, in Chinese."""
        levels: dict[str, int] = {}
        if not d.get("risk_preset"):
            return levels
        if d.get("quota_kind") != "rates":
            self.add_error("risk_preset", "按信用风险等级设置比例时，抽取方式应为“按比例（%）”。")
            return levels
        for level, label in RISK_LABELS.items():
            key = RISK_RATE_PREFIX + level
            raw = str(d.get(key) or "").strip().rstrip("%％").strip()
            if not raw:
                continue
            name = f"信用风险等级“{label}”的抽取比例"
            try:
                value = Decimal(raw)
            except ArithmeticError:
                self.add_error(key, f"{name}“{raw}”不是数字：请填百分数，如 30 或 2.5。")
                continue
            if not value.is_finite():
                self.add_error(key, f"{name}“{raw}”不是数字：请填百分数，如 30 或 2.5。")
            elif value < 0:
                self.add_error(key, f"{name}为 {raw}%，不能为负数。")
            elif value > 100:
                self.add_error(key, f"{name}为 {raw}%，不能超过 100%。")
            elif value != value.quantize(Decimal("0.01")):
                self.add_error(key, f"{name}“{raw}”最多保留两位小数。")
            else:
                levels[level] = bp_of(value)
        return levels

    # --- the year and the strata the plan can have, from what is typed (or stored) ---------

    def _given(self, name: str) -> Any:
        if self.is_bound:
            getlist = getattr(self.data, "getlist", None)
            many = isinstance(self.fields[name], forms.MultipleChoiceField)
            if many:
                return getlist(name) if getlist else self.data.get(name) or []
            return self.data.get(name)
        return self.initial.get(name, self.fields[name].initial)

    def _year_of(self, chosen: int, years: list[int]) -> int:
        raw = str(self._given("year") or "")
        return int(raw) if raw.isdigit() and int(raw) in years else chosen

    def _strata_names(self) -> list[str]:
        """Every stratum the plan's dimensions and filters can produce (as the service
        computes them); none when the choice is too fine (the service then says so)."""
        def picked(name: str, allowed: Any) -> list[str]:
            return [v for v in (self._given(name) or []) if v in allowed]

        chosen_divisions = picked("divisions", self.scope)
        try:
            return possible_strata(picked("strata", DIMENSIONS), StrataScope(
                target_class=self.target_class,
                divisions=sorted(division_codes(chosen_divisions or [self.owner.division_id])),
                risk_levels=picked("risk_levels", RISK_LABELS),
                industries=picked("industries", INDUSTRY_SECTIONS), kinds=picked("kinds", KIND_LABELS)))
        except QuotaError:
            return []

    def _add_stratum_boxes(self) -> None:
        """One box per stratum, labelled in words (高风险, 信州区·公司): blank takes the
        common value above. Values typed for strata the current choice no longer produces
        are kept aside in ``stale`` and named, never dropped silently."""
        names = self._strata_names()
        self.strata_count = len(names)
        typed: dict[str, str] = {}
        if self.is_bound:
            typed = {k[len(STRATUM_PREFIX):]: str(v).strip() for k, v in self.data.items()
                     if k.startswith(STRATUM_PREFIX) and str(v).strip()}
        else:
            typed = dict(self.initial.get("strata_values") or {})
        if len(names) > MAX_STRATUM_BOXES:
            boxes = [n for n in names if n in typed]
        else:
            boxes = [] if names == ["all"] else names
        known = set(names)
        self.stale = [(stratum_label(k, self.division_names), v) for k, v in typed.items()
                      if k not in known]
        self.stratum_fields = []
        for name in boxes:
            field = forms.DecimalField(label=stratum_label(name, self.division_names), required=False,
                                       min_value=0, max_digits=7, decimal_places=2)
            level = risk_of(name)
            by_level = str(self.data.get(RISK_RATE_PREFIX + level) or "").strip() if (
                self.is_bound and level and self.data.get("risk_preset")) else ""
            field.widget.attrs.update({"inputmode": "decimal",
                                       "placeholder": f"按等级 {by_level}%" if by_level else "同上"})
            key = STRATUM_PREFIX + name
            self.fields[key] = field
            if not self.is_bound and name in typed:
                self.initial[key] = typed[name]
            self.stratum_fields.append(key)
        self.strata_shown = "|".join(boxes)

    def stratum_rows(self) -> list[forms.BoundField]:
        return [self[k] for k in self.stratum_fields]

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if self.stale and not self.preview:
            shown = "、".join(f"{label}（{value}）" for label, value in self.stale)
            raise forms.ValidationError(
                f"分层维度或抽取范围已改变，单独设置的分层 {shown} 不再存在。"
                "请核对下面各分层的比例或数量后再保存。")
        self.risk_rates_bp = self._clean_risk_rates(d)
        kind = d.get("quota_kind")
        if kind == "counts":
            for key in ("quota_default", *self.stratum_fields):
                value = d.get(key)
                if value is not None and value != value.to_integral_value():
                    self.add_error(key, "按数量抽取时请填整数户数。")
        elif kind == "rates":
            for key in ("quota_default", *self.stratum_fields):
                value = d.get(key)
                if value is not None and value > 100:
                    self.add_error(key, f"抽取比例为 {value}%，不能超过 100%。")
        return d

    def service_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        kind = d["quota_kind"]
        quota: dict[str, Any] = {"kind": kind}

        def amount(value: Decimal) -> int:
            return bp_of(value) if kind == "rates" else int(value)

        if kind == "total":
            quota["total"] = d.get("quota_total")
        else:
            quota["rates_bp" if kind == "rates" else "counts"] = {
                k[len(STRATUM_PREFIX):]: amount(d[k]) for k in self.stratum_fields if d.get(k) is not None}
            levels = getattr(self, "risk_rates_bp", {})
            if kind == "rates" and levels:
                # R-R4: every stratum of a level takes the level's rate (a stratum's own box wins).
                quota["rates_bp"] = rates_by_risk(self._strata_names(), levels, quota["rates_bp"])
            if d.get("quota_default") is not None:
                quota["default_bp" if kind == "rates" else "default"] = amount(d["quota_default"])
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
    """What the editor shows for a stored plan, so that saving it untouched stores the same
    rule: the value most strata share goes in the common box, the others in their own."""
    entries, total = quota_entries(plan.quota)
    default, apart = split_default(entries)
    show = percent_value if plan.quota.get("kind") == "rates" else str
    return {
        "title": plan.title, "year": plan.year, "window_start": plan.window_start,
        "window_end": plan.window_end, "frequency_per_year": plan.frequency_per_year,
        "special": plan.special, "special_reason": plan.special_reason,
        "items": list(plan.plan_items.values_list("item_id", flat=True)),
        "divisions": plan.divisions, "industries": plan.industries, "kinds": plan.kinds,
        "tags": plan.tags, "risk_levels": plan.risk_levels, "strata": plan.strata,
        "quota_kind": plan.quota.get("kind", "rates"), "rounding": plan.quota.get("rounding", "ceil"),
        "quota_default": show(default) if default is not None else None,
        "strata_values": {k: show(v) for k, v in apart.items()}, "quota_total": total,
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
