"""Plausible power lists and inspection-item lists for every city department (quick start,
tests): 3–8 power entries and 3–10 items each, with real legal bases, some on the class-A
joint list, for this year and the next; and this year's filings of most departments (as
filings the platform recorded), so the public page has something to show.

Deterministic by seed (each department draws from its own stream); idempotent (entries and
items already there are left alone; a second run creates nothing).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from spotcheck.accounts.models import Department
from spotcheck.audit.services import audit_record
from spotcheck.catalog.models import FilingKind, InspectionItem, ItemListFiling, PowerEntry, PowerKind
from spotcheck.catalog.services import item_list_filing_record
from spotcheck.core import clock
from spotcheck.demo.roster import tags_ensure

CITY = "361100"


@dataclass(frozen=True)
class Power:
    name: str
    basis: str
    kind: str = PowerKind.INSPECTION


@dataclass(frozen=True)
class Item:
    name: str
    sub_item: str
    power: int  # index into the unit's powers
    content: str
    methods: str  # 、-separated names from inspection_methods.csv
    industries: str = ""  # GB/T 4754 section letters
    types: str = ""  # entity kinds, space-separated
    classes: str = "BC"
    joint: bool = False
    tag: str = ""


P = PowerKind.PENALTY
FIELD, PAPER, TEST, NET, EXPERT = "实地检查", "书面检查", "检验检测", "网络监测", "委托专业机构辅助"
CO, IND, COOP, OTHER = "company", "individual", "cooperative", "other"

CATALOG: dict[str, tuple[list[Power], list[Item]]] = {
    "SAMR": ([
        Power("对食品生产经营活动的监督检查", "《中华人民共和国食品安全法》第一百一十条"),
        Power("对特种设备生产、经营、使用单位的监督检查", "《中华人民共和国特种设备安全法》第五十七条"),
        Power("对产品质量的监督抽查", "《中华人民共和国产品质量法》第十五条"),
        Power("对企业公示信息的抽查", "《企业信息公示暂行条例》"),
        Power("对计量器具使用的监督检查", "《中华人民共和国计量法》"),
        Power("对广告活动的监督检查", "《中华人民共和国广告法》"),
        Power("对违反食品安全法律法规行为的行政处罚", "《中华人民共和国食品安全法》", P),
    ], [
        Item("食品经营者经营条件检查", "食品经营许可条件保持情况", 0,
             "经营场所与设施设备、从业人员健康证明、进货查验记录、贮存条件", f"{FIELD}、{PAPER}",
             "FH", f"{CO} {IND}", "BC", tag="FOOD"),
        Item("食品生产企业生产过程控制检查", "原料把关、生产过程、出厂检验", 0,
             "生产许可条件保持、原辅料进货查验、生产过程控制、出厂检验记录", f"{FIELD}、{TEST}", "C",
             CO, "ABC", True, "FOOD"),
        Item("特种设备使用单位安全状况检查", "电梯、锅炉、压力容器", 1,
             "使用登记、定期检验、作业人员持证、安全技术档案", FIELD, "", "", "ABC", True,
             "SPECIAL-EQUIP"),
        Item("企业公示信息情况检查", "年度报告公示信息", 3,
             "年度报告、即时信息公示内容的真实性、及时性", f"{PAPER}、{NET}", "",
             f"{CO} {COOP}", "ABC", True),
        Item("重点工业产品质量监督抽查", "", 2, "按产品标准抽样检验", f"{TEST}、{EXPERT}", "C", CO,
             "BC", tag="QUALITY"),
        Item("强制检定计量器具使用情况检查", "", 4, "强制检定计量器具的登记、检定及使用", FIELD, "FHQ",
             "", "BC", tag="MEASURE"),
        Item("广告发布行为检查", "互联网广告", 5, "广告内容合法性、广告发布登记", NET, "ILR", "",
             "BC", tag="AD"),
    ]),
    "JUS": ([
        Power("对律师事务所执业活动的监督检查", "《中华人民共和国律师法》"),
        Power("对司法鉴定机构的监督检查", "《司法鉴定机构登记管理办法》"),
        Power("对基层法律服务所的监督检查", "《基层法律服务所管理办法》"),
    ], [
        Item("律师事务所执业活动检查", "", 0, "执业许可、内部管理制度、执业档案", f"{FIELD}、{PAPER}",
             "L", OTHER, "BC", tag="LAWYER"),
        Item("司法鉴定机构执业检查", "", 1, "登记事项、鉴定程序、鉴定档案", f"{FIELD}、{PAPER}", "M",
             "", "BC", tag="FORENSIC"),
        Item("基层法律服务所执业检查", "", 2, "执业证管理、收费公示、业务档案", PAPER, "L", "", "B"),
    ]),
    "NR": ([
        Power("对矿产资源勘查开采的监督检查", "《中华人民共和国矿产资源法》"),
        Power("对测绘活动的监督检查", "《中华人民共和国测绘法》"),
        Power("对土地利用的监督检查", "《中华人民共和国土地管理法》"),
        Power("对非法占用土地行为的行政处罚", "《中华人民共和国土地管理法》", P),
    ], [
        Item("采矿权人开采活动检查", "", 0, "开采范围、开采方式、矿山地质环境恢复治理", FIELD, "B", CO,
             "BC", tag="MINERAL"),
        Item("测绘资质单位检查", "", 1, "资质条件保持、测绘成果质量", f"{PAPER}、{EXPERT}", "M", CO, "B",
             tag="SURVEY"),
        Item("建设用地批后监管检查", "", 2, "供地合同履约、开竣工时间、闲置土地", FIELD, "KE", CO, "BC",
             tag="LAND"),
    ]),
    "EM": ([
        Power("对生产经营单位执行安全生产法律法规情况的监督检查", "《中华人民共和国安全生产法》"),
        Power("对危险化学品安全的监督检查", "《危险化学品安全管理条例》"),
        Power("对非煤矿山安全生产的监督检查", "《中华人民共和国矿山安全法》"),
        Power("对烟花爆竹经营单位的监督检查", "《烟花爆竹安全管理条例》"),
        Power("对安全生产违法行为的行政处罚", "《中华人民共和国安全生产法》", P),
    ], [
        Item("安全生产条件检查", "安全生产责任制、教育培训、隐患排查", 0,
             "安全生产责任制落实、安全管理机构和人员、教育培训、隐患排查治理", f"{FIELD}、{PAPER}", "CEF",
             CO, "ABC", True, "INDUSTRY-SAFETY"),
        Item("危险化学品经营企业安全检查", "", 1, "经营许可、储存场所、安全管理制度", FIELD, "FC", CO, "C",
             tag="HAZCHEM"),
        Item("非煤矿山安全生产检查", "", 2, "安全生产许可、采场边坡、排土场、尾矿库", f"{FIELD}、{EXPERT}",
             "B", CO, "C", tag="MINE"),
        Item("烟花爆竹经营单位安全检查", "", 3, "经营许可、储存条件、销售台账", FIELD, "F",
             f"{CO} {IND}", "BC", tag="FIREWORKS"),
    ]),
    "TRANS": ([
        Power("对道路运输经营者的监督检查", "《中华人民共和国道路运输条例》"),
        Power("对水路运输经营者的监督检查", "《国内水路运输管理条例》"),
        Power("对机动车维修经营者的监督检查", "《机动车维修管理规定》"),
    ], [
        Item("道路运输企业经营行为检查", "客运、货运、危险货物运输", 0,
             "经营许可、车辆技术状况、驾驶员从业资格、动态监控", f"{FIELD}、{NET}", "G", CO, "ABC", True,
             "ROAD-TRANSPORT"),
        Item("机动车维修经营者检查", "", 2, "备案、维修质量、配件台账", FIELD, "O", f"{CO} {IND}", "B",
             tag="REPAIR"),
        Item("水路运输企业安全管理检查", "", 1, "经营资质、船舶适航、船员配备", f"{FIELD}、{PAPER}", "G",
             CO, "BC", tag="WATERWAY"),
    ]),
    "HUD": ([
        Power("对建筑市场活动的监督检查", "《中华人民共和国建筑法》"),
        Power("对建设工程质量安全的监督检查", "《建设工程质量管理条例》"),
        Power("对燃气经营企业的监督检查", "《城镇燃气管理条例》"),
        Power("对房地产开发企业的监督检查", "《城市房地产开发经营管理条例》"),
    ], [
        Item("建筑施工企业安全生产条件检查", "", 0, "安全生产许可、三类人员持证、施工现场安全", FIELD, "E",
             CO, "ABC", True, "CONSTRUCTION"),
        Item("建设工程质量检查", "", 1, "质量责任落实、材料检测、隐蔽工程验收", f"{FIELD}、{TEST}", "E",
             CO, "BC", tag="QUALITY-SAFETY"),
        Item("燃气经营企业安全检查", "", 2, "经营许可、储配设施、入户安检", FIELD, "DF", CO, "BC",
             tag="GAS"),
        Item("房地产开发企业资质检查", "", 3, "资质条件、预售资金监管、合同备案", PAPER, "K", CO, "B"),
    ]),
    "UM": ([
        Power("对城市市容和环境卫生的监督检查", "《城市市容和环境卫生管理条例》"),
        Power("对户外广告设施设置的监督检查", "《城市市容和环境卫生管理条例》"),
        Power("对建筑垃圾处置的监督检查", "《城市建筑垃圾管理规定》"),
    ], [
        Item("门前三包与市容环境卫生检查", "", 0, "门前三包责任落实、占道经营", FIELD, "FH", IND, "B",
             tag="CITY-APPEARANCE"),
        Item("户外广告设施检查", "", 1, "设置审批、设施安全", FIELD, "L", CO, "B", tag="OUTDOOR-AD"),
        Item("建筑垃圾运输处置检查", "", 2, "处置核准、运输车辆密闭、消纳场所", FIELD, "GE", CO, "BC",
             tag="DEBRIS"),
    ]),
    "ENV": ([
        Power("对排污单位的现场检查", "《中华人民共和国环境保护法》第二十四条"),
        Power("对排污许可证执行情况的监督检查", "《排污许可管理条例》"),
        Power("对固体废物污染环境防治的监督检查", "《中华人民共和国固体废物污染环境防治法》"),
        Power("对建设项目环境影响评价执行情况的检查", "《中华人民共和国环境影响评价法》"),
        Power("对超标排放大气污染物的行政处罚", "《中华人民共和国大气污染防治法》", P),
    ], [
        Item("排污许可执行情况检查", "按证排污、自行监测、执行报告", 1,
             "排污许可证载明事项落实、自行监测、台账记录与执行报告", f"{FIELD}、{PAPER}", "CD", CO,
             "ABC", True, "PERMIT"),
        Item("污染防治设施运行情况检查", "废水、废气处理设施", 0, "设施正常运行、排放达标",
             f"{FIELD}、{TEST}", "C", CO, "BC", tag="WATER"),
        Item("危险废物规范化管理检查", "", 2, "危险废物识别标志、管理计划、转移联单", FIELD, "CQ", CO,
             "BC", tag="SOLID-WASTE"),
        Item("建设项目环保“三同时”执行情况检查", "", 3, "环评批复落实、配套设施同时投产", f"{FIELD}、{PAPER}",
             "CE", CO, "BC"),
        Item("自动监测数据质量检查", "", 0, "在线监测设备运行与数据真实性", f"{NET}、{EXPERT}", "CD", CO,
             "C", tag="AIR"),
    ]),
    "AGRI": ([
        Power("对农药经营使用的监督检查", "《农药管理条例》"),
        Power("对兽药经营的监督检查", "《兽药管理条例》"),
        Power("对饲料和饲料添加剂的监督检查", "《饲料和饲料添加剂管理条例》"),
        Power("对农作物种子的监督检查", "《中华人民共和国种子法》"),
    ], [
        Item("农药经营单位检查", "限制使用农药定点经营", 0, "经营许可、进销台账、限用农药实名购买", FIELD,
             "F", f"{CO} {IND}", "BC", tag="PESTICIDE"),
        Item("兽药经营企业检查", "", 1, "经营许可、GSP 实施、进销记录", FIELD, "F", f"{CO} {IND}", "B",
             tag="VET"),
        Item("饲料生产企业检查", "", 2, "生产许可、原料查验、产品留样", f"{FIELD}、{TEST}", "C", CO, "ABC",
             True, "FEED"),
        Item("种子生产经营者检查", "", 3, "生产经营许可、种子标签、经营档案", FIELD, "AF",
             f"{CO} {COOP}", "B", tag="SEED"),
    ]),
    "HEALTH": ([
        Power("对公共场所卫生的监督检查", "《公共场所卫生管理条例》"),
        Power("对生活饮用水卫生的监督检查", "《生活饮用水卫生监督管理办法》"),
        Power("对医疗机构执业活动的监督检查", "《医疗机构管理条例》"),
        Power("对用人单位职业病防治的监督检查", "《中华人民共和国职业病防治法》"),
        Power("对违反公共场所卫生管理规定的行政处罚", "《公共场所卫生管理条例》", P),
    ], [
        Item("公共场所卫生检查", "住宿、沐浴、美容美发场所", 0, "卫生许可、从业人员健康证明、卫生管理制度",
             FIELD, "HO", f"{CO} {IND}", "BC", tag="PUBLIC-PLACE"),
        Item("生活饮用水卫生检查", "集中式供水、二次供水", 1, "卫生许可、水质检测、供水设施卫生",
             f"{FIELD}、{TEST}", "DK", CO, "BC", tag="WATER-SUPPLY"),
        Item("医疗机构依法执业检查", "", 2, "执业许可、人员资质、医疗文书", f"{FIELD}、{PAPER}", "Q", "",
             "BC", tag="MEDICAL"),
        Item("用人单位职业病防治检查", "职业病危害项目申报、职业健康检查", 3,
             "危害项目申报、作业场所检测、劳动者职业健康检查", f"{FIELD}、{PAPER}", "CB", CO, "ABC", True,
             "OCCUPATIONAL"),
    ]),
    "CULT": ([
        Power("对娱乐场所的监督检查", "《娱乐场所管理条例》"),
        Power("对旅行社经营活动的监督检查", "《旅行社条例》"),
        Power("对互联网上网服务营业场所的监督检查", "《互联网上网服务营业场所管理条例》"),
        Power("对出版物发行单位的监督检查", "《出版管理条例》"),
    ], [
        Item("娱乐场所经营行为检查", "", 0, "经营许可、曲目内容、未成年人保护", FIELD, "R", f"{CO} {IND}",
             "BC", tag="ENTERTAINMENT"),
        Item("旅行社经营行为检查", "", 1, "经营许可、质量保证金、旅游合同", f"{FIELD}、{PAPER}", "L", CO,
             "ABC", True, "TOURISM"),
        Item("网吧经营行为检查", "", 2, "经营许可、实名登记、未成年人入场", FIELD, "R",
             f"{CO} {IND}", "BC", tag="INTERNET-CAFE"),
        Item("出版物经营单位检查", "", 3, "经营许可、进货渠道、非法出版物", FIELD, "F", f"{CO} {IND}",
             "B", tag="PUBLISHING"),
    ]),
    "FIRE": ([
        Power("消防监督检查", "《中华人民共和国消防法》第五十三条"),
        Power("公众聚集场所投入使用、营业前消防安全检查", "《中华人民共和国消防法》第十五条",
              PowerKind.LICENSING),
        Power("对消防安全违法行为的行政处罚", "《中华人民共和国消防法》", P),
    ], [
        Item("消防安全检查", "消防安全责任制、消防设施器材、疏散通道", 0,
             "消防安全责任制落实、消防设施器材完好、疏散通道和安全出口畅通", FIELD, "HFRO", "", "ABC",
             True, "FIRE-CHECK"),
        Item("人员密集场所消防安全检查", "", 0, "建筑消防设施、员工消防培训、应急预案演练", FIELD, "HRPQ",
             "", "BC", tag="BUILDING-FIRE"),
        Item("消防安全重点单位检查", "", 0, "消防安全管理人、防火检查巡查记录", f"{FIELD}、{PAPER}", "CF",
             CO, "C", tag="FIRE-CHECK"),
    ]),
    "FOREST": ([
        Power("对林木采伐的监督检查", "《中华人民共和国森林法》"),
        Power("对野生动物经营利用的监督检查", "《中华人民共和国野生动物保护法》"),
        Power("对林木种苗生产经营的监督检查", "《中华人民共和国种子法》"),
    ], [
        Item("木材经营加工企业检查", "", 0, "木材来源、进出台账", FIELD, "CF", f"{CO} {IND}", "B",
             tag="TIMBER"),
        Item("野生动物经营场所检查", "", 1, "经营利用许可、专用标识、来源证明", FIELD, "FH",
             f"{CO} {IND}", "BC", tag="WILDLIFE"),
        Item("林木种苗生产经营者检查", "", 2, "生产经营许可、种苗标签、档案", FIELD, "A", f"{CO} {COOP}",
             "B", tag="SEEDLING"),
    ]),
    "PSB": ([
        Power("对旅馆业治安管理的监督检查", "《旅馆业治安管理办法》"),
        Power("对保安服务公司的监督检查", "《保安服务管理条例》"),
        Power("对公章刻制业的监督检查", "《印铸刻字业暂行管理规则》"),
    ], [
        Item("旅馆业治安管理检查", "", 0, "特种行业许可、旅客住宿登记", FIELD, "H", f"{CO} {IND}", "BC",
             tag="HOTEL"),
        Item("保安服务公司检查", "", 1, "保安服务许可、保安员证、服务合同", f"{FIELD}、{PAPER}", "L", CO,
             "B", tag="SECURITY"),
        Item("公章刻制企业检查", "", 2, "备案、刻制登记", FIELD, "O", f"{CO} {IND}", "B", tag="SEAL"),
    ]),
    "DRC": ([
        Power("对固定资产投资项目节能审查执行情况的监督检查", "《中华人民共和国节约能源法》"),
        Power("对粮食经营活动的监督检查", "《粮食流通管理条例》"),
        Power("对招标投标活动的监督检查", "《中华人民共和国招标投标法》"),
    ], [
        Item("重点用能单位节能检查", "", 0, "节能审查意见落实、能源计量与统计", f"{FIELD}、{PAPER}", "C", CO,
             "ABC", True, "ENERGY"),
        Item("粮食收购企业经营活动检查", "", 1, "收购备案、库存数量质量、台账", FIELD, "FA",
             f"{CO} {COOP}", "B", tag="GRAIN"),
        Item("招标代理机构活动检查", "", 2, "代理行为、档案管理", PAPER, "L", CO, "B", tag="TENDER"),
    ]),
    "FIN": ([
        Power("会计信息质量检查", "《中华人民共和国会计法》"),
        Power("对代理记账机构的监督检查", "《代理记账管理办法》"),
        Power("对资产评估机构的监督检查", "《中华人民共和国资产评估法》"),
    ], [
        Item("会计信息质量检查", "", 0, "会计凭证、账簿、财务会计报告", PAPER, "", CO, "BC",
             tag="ACCOUNTING"),
        Item("代理记账机构检查", "", 1, "执业许可条件、业务规范", PAPER, "L", CO, "B", tag="ACCOUNTING"),
        Item("资产评估机构检查", "", 2, "备案、评估档案、质量控制", PAPER, "L", CO, "B", tag="APPRAISAL"),
    ]),
    "HRSS": ([
        Power("劳动保障监察", "《劳动保障监察条例》"),
        Power("对人力资源服务机构的监督检查", "《人力资源市场暂行条例》"),
        Power("对职业技能培训机构的监督检查", "《中华人民共和国就业促进法》"),
    ], [
        Item("用人单位遵守劳动保障法律法规情况检查", "劳动合同、工资支付、社会保险", 0,
             "劳动合同签订、工资支付、工作时间、社会保险参保", f"{FIELD}、{PAPER}", "CEFH", CO, "ABC",
             True, "LABOR"),
        Item("人力资源服务机构检查", "", 1, "许可备案、招聘信息、服务台账", f"{PAPER}、{NET}", "L", CO, "B",
             tag="HR-SERVICE"),
        Item("职业技能培训机构检查", "", 2, "办学许可、培训质量", FIELD, "P", "", "B"),
    ]),
    "CIVIL": ([
        Power("对养老机构的监督检查", "《养老机构管理办法》"),
        Power("对殡葬服务单位的监督检查", "《殡葬管理条例》"),
        Power("对社会组织的监督检查", "《社会团体登记管理条例》"),
    ], [
        Item("养老机构服务安全检查", "", 0, "备案、服务质量、安全管理", FIELD, "Q", f"{CO} {OTHER}", "BC",
             tag="ELDERLY"),
        Item("殡葬服务单位检查", "", 1, "服务收费公示、殡葬用品销售", FIELD, "O", "", "B", tag="FUNERAL"),
        Item("民办非企业单位年度检查", "", 2, "年度工作报告、财务状况", PAPER, "S", OTHER, "B",
             tag="SOCIAL-ORG"),
    ]),
    "STATS": ([
        Power("统计执法检查", "《中华人民共和国统计法》"),
        Power("对统计调查对象报送情况的检查", "《中华人民共和国统计法实施条例》"),
        Power("对统计违法行为的行政处罚", "《中华人民共和国统计法》", P),
    ], [
        Item("统计调查对象统计数据质量检查", "", 0, "原始记录、统计台账、报送数据", f"{FIELD}、{PAPER}", "",
             CO, "ABC", True, "STATS-ENF"),
        Item("规模以上工业企业统计台账检查", "", 1, "统计台账与财务数据一致性", PAPER, "C", CO, "B",
             tag="STATS-DATA"),
        Item("限额以上批零住餐企业统计检查", "", 1, "销售额、营业额统计", PAPER, "FH", CO, "B",
             tag="STATS-DATA"),
    ]),
    "MIIT": ([
        Power("对民用爆炸物品生产销售的监督检查", "《民用爆炸物品安全管理条例》"),
        Power("工业节能监察", "《中华人民共和国节约能源法》"),
        Power("对无线电台站设置使用的监督检查", "《中华人民共和国无线电管理条例》"),
    ], [
        Item("民用爆炸物品销售企业检查", "", 0, "销售许可、流向登记、储存安全", FIELD, "F", CO, "C",
             tag="EXPLOSIVES"),
        Item("工业节能监察", "", 1, "能耗限额标准执行、淘汰落后设备", f"{FIELD}、{PAPER}", "C", CO, "ABC",
             True, "ENERGY"),
        Item("无线电台站设置使用检查", "", 2, "台站执照、频率使用", f"{FIELD}、{NET}", "IG", CO, "B",
             tag="RADIO"),
    ]),
    "COMM": ([
        Power("对单用途商业预付卡的监督检查", "《单用途商业预付卡管理办法（试行）》"),
        Power("对报废机动车回收拆解企业的监督检查", "《报废机动车回收管理办法》"),
        Power("对再生资源回收经营者的监督检查", "《再生资源回收管理办法》"),
        Power("对二手车交易市场经营者的监督检查", "《二手车流通管理办法》"),
    ], [
        Item("单用途商业预付卡发卡企业检查", "", 0, "备案、预收资金管理、信息报送", f"{PAPER}、{NET}", "FHO",
             CO, "B", tag="PREPAID"),
        Item("报废机动车回收拆解企业检查", "", 1, "资质认定、拆解记录、五大总成处置", FIELD, "CF", CO, "BC",
             tag="SCRAP-CAR"),
        Item("再生资源回收经营者检查", "", 2, "备案、收购登记", FIELD, "F", f"{CO} {IND}", "B",
             tag="RECYCLE"),
        Item("二手车交易市场经营者检查", "", 3, "交易登记、信息公示", FIELD, "F", CO, "B"),
    ]),
    "WATER": ([
        Power("对取水许可的监督检查", "《取水许可和水资源费征收管理条例》"),
        Power("对河道采砂的监督检查", "《中华人民共和国水法》"),
        Power("对生产建设项目水土保持的监督检查", "《中华人民共和国水土保持法》"),
    ], [
        Item("取用水单位取水情况检查", "", 0, "取水许可、计量设施、取水量", f"{FIELD}、{NET}", "CD", CO, "BC",
             tag="WATER-INTAKE"),
        Item("河道采砂企业检查", "", 1, "采砂许可、作业范围、采砂船舶", FIELD, "B", CO, "C", tag="SAND"),
        Item("生产建设项目水土保持检查", "", 2, "水土保持方案落实、设施验收", f"{FIELD}、{PAPER}", "EB", CO,
             "ABC", True, "SOIL"),
    ]),
    "METEO": ([
        Power("对防雷装置检测活动的监督检查", "《气象灾害防御条例》"),
        Power("对施放气球活动的监督检查", "《施放气球管理办法》"),
        Power("对气象信息服务的监督检查", "《中华人民共和国气象法》"),
    ], [
        Item("防雷装置检测机构检查", "", 0, "资质条件、检测报告质量", f"{PAPER}、{EXPERT}", "M", CO, "B",
             tag="LIGHTNING"),
        Item("易燃易爆场所防雷安全检查", "", 0, "防雷装置定期检测", FIELD, "CF", CO, "ABC", True,
             "LIGHTNING"),
        Item("施放气球单位检查", "", 1, "资质、作业人员、施放记录", FIELD, "LR", CO, "B", tag="BALLOON"),
    ]),
    "SCI": ([
        Power("对高新技术企业的监督检查", "《高新技术企业认定管理办法》"),
        Power("对科技计划项目实施的监督检查", "《中华人民共和国科学技术进步法》"),
        Power("对技术合同登记的监督检查", "《技术合同认定登记管理办法》"),
    ], [
        Item("高新技术企业条件保持情况检查", "", 0, "研发投入、知识产权、科技人员比例", PAPER, "CIM", CO,
             "AB", True, "HIGH-TECH"),
        Item("科技计划项目实施情况检查", "", 1, "项目进度、经费使用", f"{PAPER}、{EXPERT}", "M", CO, "B",
             tag="TECH-PROJECT"),
        Item("技术合同登记情况检查", "", 2, "合同真实性、登记材料", PAPER, "M", CO, "B"),
    ]),
    "EDU": ([
        Power("对民办学校办学活动的监督检查", "《中华人民共和国民办教育促进法》"),
        Power("对校外培训机构的监督检查", "《中华人民共和国民办教育促进法》"),
        Power("对幼儿园办园行为的检查", "《幼儿园管理条例》"),
    ], [
        Item("民办学校办学行为检查", "", 0, "办学许可、招生简章、收费", f"{FIELD}、{PAPER}", "P", "", "B",
             tag="PRIVATE-SCHOOL"),
        Item("校外培训机构检查", "", 1, "办学许可、预收费监管、培训内容", FIELD, "P", "", "BC",
             tag="TRAINING"),
        Item("民办幼儿园办园行为检查", "", 2, "办园条件、保育教育、安全管理", FIELD, "P", "", "BC"),
    ]),
    "SPORT": ([
        Power("对高危险性体育项目经营活动的监督检查", "《全民健身条例》"),
        Power("对体育赛事活动的监督检查", "《体育赛事活动管理办法》"),
        Power("对经营性体育场所的监督检查", "《中华人民共和国体育法》"),
    ], [
        Item("游泳场所经营活动检查", "", 0, "经营许可、救生员配备、水质", FIELD, "R", f"{CO} {IND}", "BC",
             tag="SWIMMING"),
        Item("攀岩、潜水等高危险性体育项目检查", "", 0, "经营许可、社会体育指导人员", FIELD, "R", CO, "BC",
             tag="HIGH-RISK-SPORT"),
        Item("健身服务场所检查", "", 2, "安全管理、预付费", FIELD, "RO", f"{CO} {IND}", "B"),
    ]),
    "CAD": ([
        Power("对人防工程维护管理的监督检查", "《中华人民共和国人民防空法》"),
        Power("对防空地下室建设的监督检查", "《中华人民共和国人民防空法》"),
        Power("对人防工程平时使用的监督检查", "《中华人民共和国人民防空法》"),
    ], [
        Item("人防工程维护管理检查", "", 0, "防护设备完好、维护记录", FIELD, "K", CO, "BC", tag="SHELTER"),
        Item("人防工程平时使用情况检查", "", 2, "使用登记、消防安全", FIELD, "KFH", CO, "B",
             tag="SHELTER"),
        Item("防空地下室建设情况检查", "", 1, "按规定修建、质量监督", FIELD, "E", CO, "B"),
    ]),
    "MEDINS": ([
        Power("对定点医药机构医保基金使用的监督检查", "《医疗保障基金使用监督管理条例》"),
        Power("对医保服务协议履行情况的检查", "《中华人民共和国社会保险法》"),
        Power("对骗取医保基金行为的行政处罚", "《医疗保障基金使用监督管理条例》", P),
    ], [
        Item("定点医疗机构医保基金使用检查", "", 0, "诊疗收费、药品耗材进销存、结算数据", f"{FIELD}、{NET}",
             "Q", "", "BC", tag="MED-FUND"),
        Item("定点零售药店医保基金使用检查", "", 0, "刷卡记录、进销存", f"{FIELD}、{NET}", "F",
             f"{CO} {IND}", "BC", tag="MED-FUND"),
        Item("医保服务协议履行情况检查", "", 1, "协议条款落实", PAPER, "QF", "", "B"),
    ]),
    "FINOFF": ([
        Power("对融资担保公司的监督检查", "《融资担保公司监督管理条例》"),
        Power("对典当行的监督检查", "《典当管理办法》"),
        Power("对非法集资风险的监测检查", "《防范和处置非法集资条例》"),
    ], [
        Item("融资担保公司经营检查", "", 0, "业务范围、担保放大倍数、准备金", f"{PAPER}、{EXPERT}", "J", CO,
             "BC", tag="LOCAL-FINANCE"),
        Item("典当行经营检查", "", 1, "经营许可、当票管理", f"{FIELD}、{PAPER}", "J", CO, "B",
             tag="LOCAL-FINANCE"),
        Item("非法集资风险排查", "", 2, "宣传推介、资金募集行为", f"{NET}、{FIELD}", "JL", CO, "BC"),
    ]),
    "ARCH": ([
        Power("对档案工作的监督检查", "《中华人民共和国档案法》"),
        Power("对档案服务企业的监督检查", "《中华人民共和国档案法》"),
        Power("对重大建设项目档案管理的监督检查", "《中华人民共和国档案法》"),
    ], [
        Item("档案服务企业检查", "", 1, "服务合同、档案安全保密", FIELD, "LM", CO, "B", tag="ARCHIVES"),
        Item("企业档案工作检查", "", 0, "档案管理制度、归档范围", PAPER, "C", CO, "B", tag="ARCHIVES"),
        Item("重点建设项目档案管理检查", "", 2, "项目文件归档、档案验收", PAPER, "E", CO, "B"),
    ]),
    "ETHREL": ([
        Power("对清真食品生产经营的监督检查", "《清真食品管理条例》"),
        Power("对宗教用品经营的监督检查", "《宗教事务条例》"),
        Power("对宗教活动场所内经营活动的监督检查", "《宗教事务条例》"),
    ], [
        Item("清真食品生产经营者检查", "", 0, "清真标识使用、原料来源", FIELD, "HFC", f"{CO} {IND}", "B",
             tag="HALAL"),
        Item("宗教用品经营者检查", "", 1, "经营范围、宣传品", FIELD, "F", IND, "B", tag="RELIGIOUS-GOODS"),
        Item("宗教活动场所内经营活动检查", "", 2, "经营主体、经营范围", FIELD, "FO", "", "B"),
    ]),
    "DISAB": ([
        Power("对用人单位按比例安排残疾人就业的检查", "《残疾人就业条例》"),
        Power("对残疾人康复机构的监督检查", "《残疾预防和残疾人康复条例》"),
        Power("对辅助器具适配服务机构的监督检查", "《中华人民共和国残疾人保障法》"),
    ], [
        Item("用人单位按比例安排残疾人就业情况检查", "", 0, "残疾职工人数、劳动合同", PAPER, "", CO, "B",
             tag="DISABLED-EMPLOY"),
        Item("残疾人康复机构检查", "", 1, "服务规范、人员资质", FIELD, "Q", "", "B", tag="REHAB"),
        Item("辅助器具适配服务机构检查", "", 2, "适配服务质量", FIELD, "FQ", "", "B"),
    ]),
    "SREDZ": ([
        Power("对园区企业安全生产的监督检查", "《中华人民共和国安全生产法》"),
        Power("对园区企业环境保护的监督检查", "《中华人民共和国环境保护法》"),
        Power("对园区建设工程质量安全的监督检查", "《建设工程质量管理条例》"),
    ], [
        Item("园区企业安全生产检查", "", 0, "安全生产责任制、隐患排查治理", FIELD, "C", CO, "ABC", True,
             "PARK-SAFETY"),
        Item("园区企业环保设施运行检查", "", 1, "治污设施运行、排放", f"{FIELD}、{TEST}", "C", CO, "BC",
             tag="PARK-ENV"),
        Item("园区在建工程质量安全检查", "", 2, "施工现场安全、质量验收", FIELD, "E", CO, "B"),
    ]),
}
RATIOS_BP = (300, 500, 500, 800, 1000, 1500, 2000)
JOINT_RATIOS_BP = (300, 500, 800, 1000)  # class A: at most 10 % a year (R-A2)


def _catalog_for(department: Department, seed: int) -> tuple[list[tuple[int, Power]], list[Item]]:
    """The department's entries and items: all of its powers (3–8), and 3–10 of its items
    in their written order (an item never loses its power)."""
    powers, items = CATALOG.get(department.unit_code, ([], []))
    rng = random.Random(f"{seed}:{department.code}:catalog")
    keep = items[:max(3, min(len(items), rng.randint(3, 10)))]
    return list(enumerate(powers)), keep


@transaction.atomic
def items_generate(*, seed: int) -> int:
    """Create the demo power lists and item lists of every city department for this year and
    the next, and record this year's filings of most of them. Returns how many items were
    created."""
    year = clock.today().year
    created_items = 0
    created_powers = 0
    filed = 0
    for department in Department.objects.filter(division_id=CITY).order_by("seq"):
        powers, items = _catalog_for(department, seed)
        if not powers:
            continue
        tags = tags_ensure(department)
        entries: dict[int, PowerEntry] = {}
        for index, power in powers:
            prefix = "JC" if power.kind == PowerKind.INSPECTION else (
                "CF" if power.kind == PowerKind.PENALTY else "QT")
            entry, made = PowerEntry.objects.get_or_create(
                department=department, code=f"{department.unit_code}-{prefix}-{index + 1:03d}",
                defaults={"name": power.name, "kind": power.kind, "legal_basis": power.basis})
            entries[index] = entry
            created_powers += int(made)
        rng = random.Random(f"{seed}:{department.code}:items")
        for number, item in enumerate(items, start=1):
            ratio = rng.choice(JOINT_RATIOS_BP if "A" in item.classes else RATIOS_BP)
            values = {
                "name": item.name, "sub_item": item.sub_item, "power_entry": entries[item.power],
                "basis": entries[item.power].legal_basis, "content": item.content,
                "methods": item.methods.split("、"),
                "target_entity_types": sorted(item.types.split()),
                "target_industries": sorted(item.industries),
                "target_tags": ["制造业"] if item.joint and "C" in item.industries else [],
                "default_ratio_bp": ratio, "frequency_per_year": 2 if item.classes == "C" else 1,
                "inspector_tags": [item.tag] if item.tag in tags else [],
                "inspectors_required": 2, "applicable_classes": sorted(item.classes),
                "in_joint_list": item.joint,
            }
            for y in (year, year + 1):
                _, made = InspectionItem.objects.get_or_create(
                    department=department, year=y, code=f"{department.unit_code}-{number:02d}",
                    defaults=values)
                created_items += int(made)
        filed += _file_demo_lists(department, year, seed)
    if created_items or created_powers:
        audit_record(action="catalog.demo_generate", object_type="catalog.item",
                     summary={"seed": seed, "powers": created_powers, "items": created_items,
                              "filings": filed})
    return created_items


def _file_demo_lists(department: Department, year: int, seed: int) -> int:
    """Record this year's filings of about two departments in three, dated in March (a few
    in April, late), as filings carried over by the platform; the rest stay unfiled, so the
    office sees who is overdue. Nothing is dated in the future."""
    rng = random.Random(f"{seed}:{department.code}:filing")
    if rng.random() > 0.67 or ItemListFiling.objects.filter(department=department, year=year).exists():
        return 0
    month, day = (4, rng.randint(1, 20)) if rng.random() < 0.15 else (3, rng.randint(1, 31))
    filed_at = datetime(year, month, day, rng.randint(9, 17), rng.randint(0, 59),
                        tzinfo=ZoneInfo(settings.TIME_ZONE))
    if filed_at > clock.now():
        return 0
    count = 0
    for kind in FilingKind.values:
        if kind == FilingKind.JOINT_A and not InspectionItem.objects.filter(
                department=department, year=year, in_joint_list=True, is_active=True).exists():
            continue
        item_list_filing_record(department=department, year=year, kind=kind, filed_at=filed_at,
                                note="演示数据（由平台记录）")
        count += 1
    return count
