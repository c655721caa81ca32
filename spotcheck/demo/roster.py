"""Plausible inspector rosters for the quick start and tests: every department's vocabulary of
tags, 10–30 people per city department and a few per county department, some outside
experts, joint-pool members, and a few conflicts with entities already in the library.

Deterministic: each department draws from its own stream seeded by (seed, department code),
so the same seed gives the same people. Idempotent: a certificate number already on the
roster is left alone, and a second run creates nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.apps import apps
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from spotcheck.accounts.models import Department
from spotcheck.audit.services import audit_record
from spotcheck.core import clock
from spotcheck.roster.models import Conflict, Inspector, InspectorKind, Tag, TagKind

CITY = "361100"
# Every department's qualification tag: holds an administrative enforcement certificate.
CERTIFIED = ("ENF-CERT", "持行政执法证件", TagKind.QUALIFICATION)
# Expertise by member unit (unit code → (tag code, label)). Item requirements name these.
EXPERTISE: dict[str, list[tuple[str, str]]] = {
    "SAMR": [("FOOD", "食品安全"), ("SPECIAL-EQUIP", "特种设备"), ("QUALITY", "产品质量"),
             ("MEASURE", "计量"), ("AD", "广告监测")],
    "JUS": [("LAWYER", "律师管理"), ("FORENSIC", "司法鉴定")],
    "NR": [("MINERAL", "矿产资源"), ("SURVEY", "测绘"), ("LAND", "土地利用")],
    "EM": [("INDUSTRY-SAFETY", "工贸安全"), ("HAZCHEM", "危险化学品"), ("MINE", "非煤矿山"),
           ("FIREWORKS", "烟花爆竹")],
    "TRANS": [("ROAD-TRANSPORT", "道路运输"), ("WATERWAY", "水路运输"), ("REPAIR", "机动车维修")],
    "HUD": [("CONSTRUCTION", "建筑市场"), ("QUALITY-SAFETY", "工程质量安全"), ("GAS", "城镇燃气")],
    "UM": [("CITY-APPEARANCE", "市容环卫"), ("OUTDOOR-AD", "户外广告"), ("DEBRIS", "建筑垃圾")],
    "ENV": [("PERMIT", "排污许可"), ("WATER", "水环境"), ("AIR", "大气环境"),
            ("SOLID-WASTE", "固体废物"), ("RADIATION", "辐射安全")],
    "AGRI": [("PESTICIDE", "农药"), ("VET", "兽药"), ("FEED", "饲料"), ("SEED", "种子")],
    "HEALTH": [("PUBLIC-PLACE", "公共场所卫生"), ("WATER-SUPPLY", "饮用水卫生"),
               ("MEDICAL", "医疗监督"), ("OCCUPATIONAL", "职业卫生")],
    "CULT": [("ENTERTAINMENT", "娱乐场所"), ("TOURISM", "旅游市场"), ("INTERNET-CAFE", "网吧"),
             ("PUBLISHING", "出版物")],
    "FIRE": [("FIRE-CHECK", "消防监督检查"), ("BUILDING-FIRE", "建筑消防设施")],
    "FOREST": [("TIMBER", "木材经营"), ("WILDLIFE", "野生动物"), ("SEEDLING", "林木种苗")],
    "PSB": [("HOTEL", "旅馆业治安"), ("SECURITY", "保安服务"), ("SEAL", "公章刻制")],
    "DRC": [("ENERGY", "节能审查"), ("GRAIN", "粮食流通"), ("TENDER", "招标投标")],
    "FIN": [("ACCOUNTING", "会计监督"), ("APPRAISAL", "资产评估")],
    "HRSS": [("LABOR", "劳动保障监察"), ("HR-SERVICE", "人力资源服务")],
    "CIVIL": [("ELDERLY", "养老服务"), ("FUNERAL", "殡葬管理"), ("SOCIAL-ORG", "社会组织")],
    "STATS": [("STATS-ENF", "统计执法"), ("STATS-DATA", "统计数据质量")],
    "MIIT": [("EXPLOSIVES", "民用爆炸物品"), ("ENERGY", "工业节能"), ("RADIO", "无线电管理")],
    "COMM": [("PREPAID", "单用途预付卡"), ("SCRAP-CAR", "报废机动车回收"), ("RECYCLE", "再生资源")],
    "WATER": [("WATER-INTAKE", "取水管理"), ("SAND", "河道采砂"), ("SOIL", "水土保持")],
    "METEO": [("LIGHTNING", "防雷安全"), ("BALLOON", "施放气球")],
    "SCI": [("HIGH-TECH", "高新技术企业"), ("TECH-PROJECT", "科技项目")],
    "EDU": [("PRIVATE-SCHOOL", "民办教育"), ("TRAINING", "校外培训")],
    "SPORT": [("HIGH-RISK-SPORT", "高危险性体育项目"), ("SWIMMING", "游泳场所")],
    "CAD": [("SHELTER", "人防工程")],
    "MEDINS": [("MED-FUND", "医保基金监管")],
    "FINOFF": [("LOCAL-FINANCE", "地方金融监管")],
    "ARCH": [("ARCHIVES", "档案管理")],
    "ETHREL": [("HALAL", "清真食品"), ("RELIGIOUS-GOODS", "宗教用品")],
    "DISAB": [("DISABLED-EMPLOY", "残疾人就业"), ("REHAB", "康复服务")],
    "SREDZ": [("PARK-SAFETY", "园区安全生产"), ("PARK-ENV", "园区环保")],
}
EXPERT_ORGANISATIONS = ["上饶市产品质量监督检验所", "江西省环境监测中心站", "上饶师范学院",
                        "江西省疾病预防控制中心", "上饶市特种设备监督检验中心", "南昌大学",
                        "江西省安全生产科学技术研究中心", "上饶市建设工程质量检测中心"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程汪")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅文斌辉鹏玲志海燕飞晨宇")
KINDS = [(InspectorKind.CIVIL_SERVANT, 60), (InspectorKind.QUALIFIED, 25),
         (InspectorKind.SUPERVISION, 15)]
CONFLICT_REASONS = ["近亲属在该企业任职", "本人曾在该企业任职（离职未满三年）", "配偶持有该企业股份",
                    "与该企业法定代表人有其他利害关系"]


def tag_vocabulary(unit_code: str) -> list[tuple[str, str, str]]:
    """(code, label, kind) of a member unit's tags: the certificate tag, then its expertise."""
    return [CERTIFIED, *[(c, label, TagKind.EXPERTISE) for c, label in EXPERTISE.get(unit_code, [])]]


def tags_ensure(department: Department) -> dict[str, Tag]:
    """The department's tag vocabulary, created where missing (the item demo needs it too)."""
    return tags_ensure_all([department])[department.pk]


def tags_ensure_all(departments: list[Department]) -> dict[int, dict[str, Tag]]:
    """Every department's vocabulary, created where missing, in two queries."""
    vocabularies: dict[int, dict[str, Tag]] = {d.pk: {} for d in departments}
    for tag in Tag.objects.filter(department__in=departments):
        vocabularies[tag.department_id][tag.code] = tag
    missing = [Tag(department=d, code=code, label=label, kind=kind) for d in departments
               for code, label, kind in tag_vocabulary(d.unit_code)
               if code not in vocabularies[d.pk]]
    if missing:
        Tag.objects.bulk_create(missing, batch_size=1000)
        for tag in Tag.objects.filter(department__in=departments):
            vocabularies[tag.department_id][tag.code] = tag
    return vocabularies


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _weighted(rng: random.Random, pairs: list[tuple[InspectorKind, int]]) -> InspectorKind:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _entity_usccs(limit: int = 2000) -> list[str]:
    """Some entities of the library, for declared conflicts (none if the library is empty)."""
    try:
        model = apps.get_model("registry", "MarketEntity")
    except LookupError:
        return []
    return list(model.objects.order_by("pk").values_list("uscc", flat=True)[:limit])


def _people(department: Department, seed: int, today: date) -> list[tuple[Inspector, list[str]]]:
    rng = random.Random(f"{seed}:{department.code}")
    is_city = department.division_id == CITY
    count = rng.randint(10, 30) if is_city else rng.randint(1, 4)
    expertise = [code for code, _ in EXPERTISE.get(department.unit_code, [])]
    people: list[tuple[Inspector, list[str]]] = []
    for n in range(1, count + 1):
        expert = is_city and n > count - rng.choice((0, 1, 2))  # a few experts, city only
        kind = InspectorKind.EXPERT if expert else _weighted(rng, KINDS)
        # Certificates run 1–5 years; about one in thirty has lapsed and is not drawable.
        lapsed = rng.random() < 0.035
        valid_until = (today - timedelta(days=rng.randint(10, 300)) if lapsed
                       else today + timedelta(days=rng.randint(90, 5 * 365)))
        codes = rng.sample(expertise, k=min(len(expertise), rng.choice((1, 1, 2))))
        if not expert:
            codes.append(CERTIFIED[0])
        inspector = Inspector(
            certificate_no=f"JX{department.division_id}{department.seq:02d}{n:03d}",
            name=_name(rng), department=department, kind=kind,
            organisation=rng.choice(EXPERT_ORGANISATIONS) if expert else "",
            valid_until=None if expert and rng.random() < 0.5 else valid_until,
            in_joint_pool=not expert and not lapsed and rng.random() < (0.25 if is_city else 0.2))
        people.append((inspector, codes))
    return people


@transaction.atomic
def inspectors_generate(*, seed: int) -> int:
    """Create the demo rosters of every department; returns how many people were created."""
    today = clock.today()
    departments = list(Department.objects.order_by("division_id", "seq"))
    existing = set(Inspector.objects.values_list("certificate_no", flat=True))
    new: list[tuple[Inspector, list[str]]] = []
    vocabularies = tags_ensure_all(departments)
    for department in departments:
        new += [(i, codes) for i, codes in _people(department, seed, today)
                if i.certificate_no not in existing]
    if not new:
        return 0
    bulk_create_with_history([i for i, _ in new], Inspector, batch_size=500)
    by_certificate = {i.certificate_no: i for i in Inspector.objects.filter(
        certificate_no__in=[i.certificate_no for i, _ in new])}
    through = Inspector.tags.through
    links = [through(inspector_id=by_certificate[i.certificate_no].pk,
                     tag_id=vocabularies[i.department_id][code].pk)
             for i, codes in new for code in codes]
    through.objects.bulk_create(links, batch_size=2000)
    conflicts = _conflicts_generate(seed, [by_certificate[i.certificate_no] for i, _ in new])
    audit_record(action="roster.demo_generate", object_type="roster.inspector",
                 summary={"seed": seed, "inspectors": len(new), "conflicts": conflicts})
    return len(new)


def _conflicts_generate(seed: int, inspectors: list[Inspector]) -> int:
    usccs = _entity_usccs()
    if not usccs:
        return 0
    rng = random.Random(f"{seed}:conflicts")
    now = clock.now()
    rows = [Conflict(inspector=i, uscc=rng.choice(usccs), reason=rng.choice(CONFLICT_REASONS),
                     declared_at=now)
            for i in inspectors if rng.random() < 0.04]
    Conflict.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
