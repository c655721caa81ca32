"""Plausible Shangrao market entities for the quick start, tests and benchmarks.

Rows come in the import file's column order, from one seeded random stream, so the same
(seed, n) always gives the same rows and a longer run extends a shorter one: loading them
through the entity import (upsert by USCC) is idempotent.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

from spotcheck.core.domain.uscc import USCC_CHARS, uscc_with_check

# GB/T 2260 codes of Shangrao and its 12 county-level divisions, weighted roughly by size.
DIVISIONS = {
    "361100": ("上饶市", 2), "361102": ("信州区", 12), "361103": ("广丰区", 10),
    "361104": ("广信区", 10), "361123": ("玉山县", 8), "361124": ("铅山县", 6),
    "361125": ("横峰县", 3), "361126": ("弋阳县", 5), "361127": ("余干县", 9),
    "361128": ("鄱阳县", 13), "361129": ("万年县", 5), "361130": ("婺源县", 5),
    "361181": ("德兴市", 5),
}
# Section → (weight, trade words, shop words for individual businesses).
INDUSTRIES = {
    "F": (30, ["商贸", "贸易", "百货", "建材", "农资", "医药"], ["超市", "商店", "便利店", "批发部"]),
    "C": (12, ["机械制造", "食品", "纺织", "光学", "铜业", "新材料"], ["加工厂", "作坊"]),
    "H": (12, ["酒店管理", "餐饮管理", "农家乐"], ["小吃店", "饭店", "面馆", "宾馆"]),
    "O": (8, ["家政服务", "汽车维修"], ["理发店", "修理部", "洗衣店"]),
    "L": (6, ["商务咨询", "广告", "旅行社"], ["中介服务部"]),
    "E": (5, ["建筑工程", "装饰工程"], ["装修队"]),
    "G": (5, ["物流", "运输"], ["货运部"]),
    "A": (5, ["农业开发", "生态农业", "茶业"], ["养殖场", "种植园"]),
    "I": (4, ["网络科技", "信息技术", "软件"], ["电脑维修部"]),
    "M": (3, ["检测技术", "工程设计"], ["技术服务部"]),
    "K": (2, ["房地产开发", "物业管理"], ["房产中介"]),
    "R": (2, ["文化传媒", "旅游开发"], ["棋牌室", "影楼"]),
    "Q": (1.5, ["医疗管理", "养老服务"], ["诊所", "药店"]),
    "P": (1, ["教育咨询", "培训"], ["培训部"]),
    "N": (1, ["环保科技", "园林绿化"], ["保洁部"]),
    "D": (0.8, ["新能源", "水务"], ["燃气站"]),
    "B": (0.4, ["矿业"], ["采石场"]),
    "J": (0.3, ["投资"], ["典当行"]),
    "S": (0.2, ["社会服务"], ["服务社"]),
}
INDUSTRY_CLASSES = {"F": ["5211", "5123", "5251"], "C": ["1331", "3311", "1711"], "H": ["6210", "6110"],
                    "A": ["0151", "0311"], "I": ["6513", "6421"]}
KINDS = [("个体工商户", 55), ("公司", 38), ("农民专业合作社", 3), ("分支机构", 2), ("非公司企业法人", 1),
         ("其他", 1)]
STATUSES = [("存续", 75), ("在业", 15), ("停业", 3), ("吊销", 3), ("注销", 3), ("迁出", 1)]
RISKS = [("低", 40), ("一般", 45), ("较高", 10), ("高", 5)]
BRAND = list("鑫盛恒泰华隆兴旺德顺嘉福宏安瑞丰金源永昌利达信诚和美天宇明辉锦绣龙腾凯新晨阳光")
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅文斌辉鹏玲")
ROADS = ["解放路", "中山路", "滨江路", "五三大道", "广信大道", "凤凰大道", "胜利路", "建设路", "人民路",
         "新华街"]
# The entity import file's header (registry/imports.py COLUMNS; a test keeps them equal).
HEADERS = ["统一社会信用代码", "企业名称", "市场主体类型", "法定代表人", "法定代表人证件号码", "联系电话",
           "行政区划代码", "行业门类", "登记状态", "成立日期", "住所", "重点领域", "信用风险等级"]
_ORG = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(rng: random.Random, division: str) -> str:
    born = f"{rng.randint(1950, 2002)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"{division}{born}{rng.randint(0, 999):03d}"
    return body + "10X98765432"[sum(w * int(c) for w, c in zip(_ID_WEIGHTS, body, strict=True)) % 11]


def _org_code(i: int, seed: int) -> str:
    n = (seed * 1_000_003 + 123_456_789_012 + i * 387_420_489) % 31**8  # 3**18: coprime to 31
    chars = []
    for _ in range(8):
        n, r = divmod(n, 31)
        chars.append(_ORG[r])
    return "".join(reversed(chars)) + USCC_CHARS[(i * 7 + seed) % 10]


# Per kind of entity: the words its name takes, the form of the name, and the kind's code in
# the USCC (GB 32100: 1 enterprise, 2 individual business, 3 cooperative, 9 other).
COOP_TRADES = ["种植", "养殖", "农机"]
NAME_FORMS = {
    "个体工商户": ("shops", "{county}{brand}{word}", "2"),
    "农民专业合作社": ("coop", "{county}{brand}{word}专业合作社", "3"),
    "分支机构": ("trades", "江西{brand}{word}有限公司{county}分公司", "1"),
    "非公司企业法人": ("trades", "{prefix}{brand}{word}厂", "1"),
    "其他": ("trades", "{prefix}{brand}{word}中心", "9"),
    "公司": ("trades", "{prefix}{brand}{word}有限公司", "1"),
}


def entity_rows(n: int, *, seed: int = 1) -> Iterator[list[str]]:
    """n rows of the entity import file (without the header)."""
    rng = random.Random(seed)
    div_codes = list(DIVISIONS)
    div_weights = [w for _, w in DIVISIONS.values()]
    sections = list(INDUSTRIES)
    sec_weights = [INDUSTRIES[s][0] for s in sections]
    kinds, kind_w = zip(*KINDS, strict=True)
    statuses, status_w = zip(*STATUSES, strict=True)
    risks, risk_w = zip(*RISKS, strict=True)
    for i in range(n):
        division = rng.choices(div_codes, div_weights)[0]
        county = DIVISIONS[division][0]
        section = rng.choices(sections, sec_weights)[0]
        _, trades, shops = INDUSTRIES[section]
        kind = rng.choices(kinds, kind_w)[0]
        brand = rng.choice(BRAND) + rng.choice(BRAND)
        prefix = "上饶市" + county if division != "361100" else "上饶市"
        words, form, kind_code = NAME_FORMS.get(kind, NAME_FORMS["公司"])
        word = rng.choice(shops if words == "shops" else trades if words == "trades" else COOP_TRADES)
        name = form.format(county=county, prefix=prefix, brand=brand, word=word)
        registrar = "N" if kind_code == "3" else "9"
        uscc = uscc_with_check(registrar + kind_code + division + _org_code(i, seed))
        industry = section + (rng.choice(INDUSTRY_CLASSES[section]) if section in INDUSTRY_CLASSES
                              and rng.random() < 0.5 else "")
        tags = []
        if kind in ("公司", "分支机构", "非公司企业法人"):
            if section == "C" and rng.random() < 0.3:
                tags.append("制造业")
            if section in ("H", "R") and rng.random() < 0.2:
                tags.append("旅游业")
            if section == "I" and rng.random() < 0.4:
                tags.append("数字经济")
            if rng.random() < 0.02:
                tags.append("招商引资")
            if rng.random() < 0.01:
                tags.append("纳税大户")
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
        yield [
            uscc, name, kind, rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
            _id_number(rng, division), phone, division, industry, rng.choices(statuses, status_w)[0],
            f"{rng.randint(1995, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f"{prefix}{rng.choice(ROADS)}{rng.randint(1, 999)}号", ";".join(tags),
            rng.choices(risks, risk_w)[0],
        ]


def entity_csv_write(path: str | Path, n: int, *, seed: int = 1) -> Path:
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(entity_rows(n, seed=seed))
    return path


def demo_classes_apply() -> tuple[int, int]:
    """Put a plausible share of demo entities in class A (about 4 %: low risk) and C (about
    6 %: higher or high risk, in a key field), with a history row each. Entities that
    already have a class history are left alone, so running it again changes nothing."""
    from django.db import connection, transaction

    from spotcheck.core import clock

    now = clock.now()
    rules = [
        ("A", "risk_level = 'low' AND id %% 10 = 0", "''", "演示数据：信用良好、守法经营"),
        ("C", "risk_level IN ('higher', 'high') AND id %% 5 < 2",
         "CASE id %% 4 WHEN 0 THEN 'safety' WHEN 1 THEN 'quality' WHEN 2 THEN 'public_interest' "
         "ELSE 'poor_credit' END", "演示数据：重点监管"),
    ]
    counts = []
    with transaction.atomic(), connection.cursor() as cursor:
        for to_class, where, c_field, basis in rules:
            cursor.execute(
                "INSERT INTO registry_classchange (entity_id, from_class, to_class, at, by_id, "  # noqa: S608
                "department_id, basis, source, c_field, proposal_id) "
                f"SELECT id, 'B', %s, %s, NULL, NULL, %s, 'system', {c_field}, NULL "
                f"FROM registry_marketentity e WHERE library_class = 'B' AND {where} AND NOT EXISTS "
                "(SELECT 1 FROM registry_classchange c WHERE c.entity_id = e.id)",
                [to_class, now, basis])
            counts.append(cursor.rowcount)
            cursor.execute(
                "UPDATE registry_marketentity SET library_class = %s WHERE library_class = 'B' AND id IN "
                "(SELECT entity_id FROM registry_classchange WHERE source = 'system' AND to_class = %s)",
                [to_class, to_class])
    return counts[0], counts[1]
