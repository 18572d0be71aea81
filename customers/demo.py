"""Demo customer archives for `make run` (crm_demo): a few hundred realistic archives with contacts,
competitors, interactions, documents and 18 months of business records, filed through
customers.services.customer_create (codes, duplicate checks, owner history, audit), the sub-rows with
bulk_create for speed. Registered with crm.demo from CustomersConfig.ready()."""

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from crm.models import Team, User
from customers.models import (
    BusinessRecord,
    Competitor,
    Contact,
    Customer,
    CustomerNature,
    DataSource,
    Handling,
    Industry,
    Interaction,
    LocationType,
    Ownership,
    Region,
    Route,
    ServiceNeed,
    Stage,
)
from customers.services import customer_create
from customers.validators import credit_code_check_char

EAST, SOUTH, SERVICE = "华东分公司", "华南分公司", "客服部"
TEAMS = [(EAST, Team.Kind.BRANCH), (SOUTH, Team.Kind.BRANCH), (SERVICE, Team.Kind.DEPARTMENT)]


CITIES = [
    ("上海", "华东", "021", "310000", "200000"), ("宁波", "华东", "0574", "330200", "315000"),
    ("苏州", "华东", "0512", "320500", "215000"), ("杭州", "华东", "0571", "330100", "310000"),
    ("南京", "华东", "025", "320100", "210000"), ("青岛", "华东", "0532", "370200", "266000"),
    ("厦门", "华东", "0592", "350200", "361000"), ("广州", "华南", "020", "440100", "510000"),
    ("深圳", "华南", "0755", "440300", "518000"), ("东莞", "华南", "0769", "441900", "523000"),
    ("佛山", "华南", "0757", "440600", "528000"), ("天津", "华北", "022", "120000", "300000"),
    ("北京", "华北", "010", "110000", "100000"), ("石家庄", "华北", "0311", "130100", "050000"),
    ("武汉", "华中", "027", "420100", "430000"), ("长沙", "华中", "0731", "430100", "410000"),
    ("郑州", "华中", "0371", "410100", "450000"), ("重庆", "西南", "023", "500000", "400000"),
    ("成都", "西南", "028", "510100", "610000"), ("西安", "西北", "029", "610100", "710000"),
    ("兰州", "西北", "0931", "620100", "730000"), ("大连", "东北", "0411", "210200", "116000"),
    ("沈阳", "东北", "024", "210100", "110000"),
]
# Territories looked after by the South China branch; the others by the East China branch.
SOUTH_TERRITORIES = {"华南", "华中", "西南", "西北"}

WORDS = ["港联", "远航", "恒通", "华信", "瑞丰", "金桥", "海润", "宏达", "天成", "嘉禾", "通达", "新源", "安泰",
         "中昊", "盛世", "永泰", "汇通", "鑫达", "博远", "锦程", "顺和", "广益", "联创", "利华", "众诚", "德鑫",
         "亿丰", "明阳", "长荣", "星辰", "银河", "凯旋", "万邦", "华泰", "百川"]
# name part, industry, nature, main goods, packaging
TRADES = [
    ("国际货运代理", "其他", "货代", "拼箱杂货", "纸箱"),
    ("进出口贸易", "批发和零售业", "贸易公司", "日用百货", "纸箱"),
    ("电子科技", "电子产品", "生产企业", "电子元器件", "防静电托盘"),
    ("汽车配件", "汽车及零部件", "生产企业", "汽车零部件", "木箱"),
    ("化工", "化工", "生产企业", "化工原料（非危）", "吨桶"),
    ("服饰", "纺织服装", "生产企业", "成衣", "纸箱"),
    ("食品", "食品饮料", "生产企业", "冷冻食品", "冷藏箱"),
    ("医药", "医药", "贸易公司", "医药中间体", "纸箱"),
    ("机械制造", "机械设备", "生产企业", "工程机械配件", "木箱"),
    ("钢铁贸易", "钢铁冶金", "贸易公司", "钢卷", "裸装"),
    ("建材", "建材", "批发店", "瓷砖", "托盘"),
    ("农产品", "农产品", "批发店", "大豆", "散装"),
    ("跨境电商", "跨境电商", "电商", "小家电及配件", "快递袋"),
    ("家电", "家电", "连锁店", "白色家电", "纸箱"),
    ("供应链管理", "批发和零售业", "代理店", "快消品", "托盘"),
]
SUFFIXES = ["有限公司"] * 6 + ["股份有限公司", "有限责任公司", "集团有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
         "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "雪梅", "国庆", "丽华", "文博", "子涵"]
DISTRICTS = ["开发区", "高新区", "保税区", "港区", "经济技术开发区", "自贸区", "工业园区"]
ROADS = ["长江路", "黄河路", "解放路", "人民路", "滨海大道", "港城大道", "物流园路", "科技路", "建设路", "中山路"]
PORTS = ["上海港", "宁波舟山港", "深圳盐田港", "广州南沙港", "青岛港", "天津港", "厦门港", "大连港"]
DESTINATIONS = ["洛杉矶", "长滩", "汉堡", "鹿特丹", "安特卫普", "新加坡", "釜山", "东京", "迪拜", "悉尼", "圣保罗",
                "莫斯科", "阿拉木图", "胡志明市"]
BANKS = ["中国工商银行", "中国建设银行", "中国银行", "中国农业银行", "交通银行", "招商银行", "浦发银行"]
TITLES = [("总经理", "总经办"), ("物流经理", "物流部"), ("采购主管", "采购部"), ("财务经理", "财务部"),
          ("单证员", "单证部"), ("关务主管", "关务部"), ("销售总监", "销售部")]
EDUCATION = ["大专", "本科", "硕士", "高中"]
PERSONALITY = ["稳重务实", "性格开朗", "注重细节", "雷厉风行", "谨慎保守"]
HOBBIES = ["钓鱼", "羽毛球", "茶道", "摄影", "登山", "高尔夫", "书法", "跑步"]
COMPETITORS = ["海通达物流", "捷运国际货代", "顺航供应链", "恒远船务代理", "迅达国际物流", "四海通运输"]
SERVICE_CODES = ["transport.sea", "transport.sea", "transport.road", "transport.air", "transport.rail",
                 "warehousing", "distribution", "customs"]
INTERACTION_SUMMARIES = [
    "电话确认下月出运计划，客户预计增加两个柜量。",
    "上门拜访物流经理，介绍新开通的航线及运价。",
    "传真发送报价单，客户反馈价格偏高，需再议。",
    "与采购主管洽谈年度运输合同续签事宜。",
    "邮件沟通清关单证问题，已协助补齐资料。",
    "客户来访，参观仓库并讨论仓储配送方案。",
]
STAGE_WEIGHTS = [(Stage.CUSTOMER, 70), (Stage.PROSPECT, 12), (Stage.LEAD, 10), (Stage.LOST, 5),
                 (Stage.DISCARDED, 3)]
OWNERSHIP_WEIGHTS = [(Ownership.PRIVATE, 45), (Ownership.JOINT_STOCK, 20), (Ownership.STATE_OWNED, 10),
                     (Ownership.FOREIGN_OWNED, 10), (Ownership.JOINT_VENTURE, 8), (Ownership.COLLECTIVE, 4),
                     (Ownership.OTHER, 3)]
_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Fields a real archive often lacks (never the ones a filing needs).
OPTIONAL_FIELDS = ["short_name", "legal_representative", "origin_place", "destination_place", "business_scope",
                   "bank", "bank_account", "fax", "email", "financial_status", "asset_liability_ratio",
                   "typical_volume", "packaging"]
# The shared library: title, category, keywords, description, confirmed by the head
LIBRARY = [
    ("2026年华东区域公路运价表", "rate_sheet", "运价 公路 华东", "上海、宁波、苏州至全国主要城市的整车和零担运价。",
     True),
    ("2026年美西航线海运运价表", "rate_sheet", "运价 海运 美西", "上海港、宁波舟山港至洛杉矶、长滩的整箱运价。", True),
    ("客户资料收集与归档规定", "other", "档案 规定", "客户资料的收集、分类、评估和归档管理办法。", True),
    ("客户资料卡填写说明（附表四）", "other", "资料卡 附表四", "附表四各栏目的填写要求和信息来源。", True),
    ("年度运输协议范本", "contract", "合同 范本", "与交易客户签订年度运输协议的标准文本。", True),
    ("危险品运输资质证书", "certificate", "资质 危险品", "本公司危险品道路运输经营许可证。", True),
    ("主要竞争对手运价调研（2026年三季度）", "competition", "竞争对手 运价", "海通达、捷运等五家同行的报价对比。",
     False),
    ("冷链仓储服务需求调研", "requirements", "冷链 仓储", "食品、医药客户对冷链仓储和配送的需求汇总。", False),
]



def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]



def ensure_routes() -> dict[str, list[Route]]:
    routes: dict[str, list[Route]] = {}
    for region in Region.objects.all():
        routes[region.name] = [
            Route.objects.get_or_create(region=region, name=f"{region.name}-{n}线", defaults={"sequence": n})[0]
            for n in (1, 2, 3)
        ]
    return routes


class DemoCustomers:
    """Builds the archives; deterministic for a given random generator."""

    def __init__(self, rng: random.Random, users: dict[str, User], teams: dict[str, Team],
                 routes: dict[str, list[Route]]):
        self.rng = rng
        self.users = users
        self.teams = teams
        self.routes = routes
        self.today = timezone.localdate()
        self.industries = {i.name: i for i in Industry.objects.all()}
        self.natures = {n.name: n for n in CustomerNature.objects.all()}
        self.regions = {r.name: r for r in Region.objects.all()}
        self.used_names: set[str] = set()
        self.used_codes: set[str] = set()
        self.used_phones: set[str] = set()

    def create(self, n: int) -> dict[str, int]:
        archives = [self.create_customer(i) for i in range(n)]
        contacts = [contact for customer in archives for contact in self.contacts_for(customer)]
        Contact.objects.bulk_create(contacts, batch_size=500)
        competitors = [c for customer in archives for c in self.competitors_for(customer)]
        Competitor.objects.bulk_create(competitors, batch_size=500)
        interactions = [x for customer in archives for x in self.interactions_for(customer)]
        Interaction.objects.bulk_create(interactions, batch_size=500)
        records = [r for customer in archives for r in self.records_for(customer)]
        BusinessRecord.objects.bulk_create(records, batch_size=1000)
        self.spread_creation_dates(archives, records, interactions)
        documents = self.library_documents() + self.customer_documents(archives)
        return {"customers": len(archives), "contacts": len(contacts), "competitors": len(competitors),
                "interactions": len(interactions), "records": len(records), "documents": documents}

    def spread_creation_dates(self, archives, records, interactions) -> None:
        """Archives were filed over the years, each before its first trade, record and interaction (the
        change log's creation rows move with them); verified since, spread over 15 months so the yearly
        refresh finds some archives due."""
        earliest: dict[int, dt.date] = {}
        for customer_id, date in [(r.customer_id, r.date) for r in records] + [
                (x.customer_id, x.date) for x in interactions]:
            earliest[customer_id] = min(date, earliest.get(customer_id, date))
        history = Customer.history.model
        for customer in archives:
            known = [d for d in (customer.first_trade_on, earliest.get(customer.pk)) if d]
            if known:
                filed_on = min(known) - dt.timedelta(days=self.rng.randint(0, 120))
            else:  # leads and prospects are recent; discarded ones a while ago
                filed_on = self.today - dt.timedelta(days=self.rng.randint(0, 700))
            at = timezone.make_aware(dt.datetime.combine(filed_on, dt.time(self.rng.randint(8, 17),
                                                                           self.rng.randint(0, 59))))
            customer.created_at = at
            customer.last_verified_on = max(filed_on, self.today - dt.timedelta(days=self.rng.randint(0, 450)))
            history.objects.filter(id=customer.pk, history_type="+").update(history_date=at)
        Customer.objects.bulk_update(archives, ["created_at", "last_verified_on"], batch_size=500)

    def library_documents(self) -> int:
        """The shared library: rate sheets, the department's rules and templates (small text files)."""
        from django.core.files.base import ContentFile

        from customers.models import LibraryDocument

        if LibraryDocument.objects.exists():
            return 0
        head = self.users["head"]
        for title, category, keywords, text, confirmed in LIBRARY:
            document = LibraryDocument(title=title, category=category, keywords=keywords, description=text,
                                       original_name=f"{title}.txt", is_confirmed=confirmed,
                                       confirmed_by=head if confirmed else None, uploaded_by=self.users["clerk"])
            document.file.save(f"{title}.txt", ContentFile(f"{title}\n\n{text}\n".encode()), save=False)
            document.save()
        return len(LIBRARY)

    def customer_documents(self, archives) -> int:
        """A business licence copy and a freight agreement on a third of the transacting customers' cards."""
        from django.core.files.base import ContentFile

        from customers.models import CustomerDocument, DocumentCategory

        count = 0
        for customer in archives:
            if customer.stage != Stage.CUSTOMER or self.rng.random() > 0.33:
                continue
            for category, title in ((DocumentCategory.BUSINESS_LICENCE, "营业执照副本"),
                                    (DocumentCategory.FREIGHT_AGREEMENT, f"{self.today.year}年度运输协议")):
                document = CustomerDocument(customer=customer, category=category, title=title,
                                            original_name=f"{title}.txt", uploaded_by=customer.owner)
                document.file.save(f"{customer.code}-{category}.txt",
                                   ContentFile(f"{customer.name} {title}\n".encode()), save=False)
                document.save()
                count += 1
        return count

    # --- pieces -------------------------------------------------------------------------------

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def unique_phone(self, area: str) -> str:
        while True:
            phone = f"{area}-{self.rng.randint(2, 8)}{self.rng.randint(0, 9_999_999):07d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def credit_code(self, division: str) -> str:
        while True:
            first17 = "91" + division + "".join(self.rng.choice(_CODE_ALPHABET[:10]) for _ in range(8)) + \
                self.rng.choice(_CODE_ALPHABET)
            code = first17 + credit_code_check_char(first17)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def company_name(self) -> tuple[tuple, tuple, str]:
        for _ in range(1000):
            city = self.rng.choice(CITIES)
            trade = self.rng.choice(TRADES)
            name = city[0] + self.rng.choice(WORDS) + trade[0] + self.rng.choice(SUFFIXES)
            if name not in self.used_names:
                self.used_names.add(name)
                return city, trade, name
        raise ValueError("Ran out of distinct company names: ask for fewer customers.")

    def owner_and_team(self, territory: str) -> tuple[User, Team]:
        if territory in SOUTH_TERRITORIES:
            return self.users["manager2"], self.teams[SOUTH]
        # A few East China archives are kept by the clerk or the head themselves.
        owner = weighted(self.rng, [(self.users["manager1"], 85), (self.users["clerk"], 10),
                                    (self.users["head"], 5)])
        return owner, self.teams[EAST]

    def create_customer(self, i: int) -> Customer:
        rng = self.rng
        city, trade, name = self.company_name()
        city_name, territory, area, division, postcode = city
        trade_word, industry, nature, goods, packaging = trade
        owner, team = self.owner_and_team(territory)
        stage = weighted(rng, STAGE_WEIGHTS)
        source = weighted(rng, [(DataSource.STAFF_VISIT, 60), (DataSource.CUSTOMER_FORM, 15),
                                (DataSource.FREIGHT_SYSTEM, 15), (DataSource.AGENCY, 10)])
        founded = dt.date(rng.randint(1988, 2020), rng.randint(1, 12), rng.randint(1, 28))
        handling = [Handling.SELF, Handling.AGENT]
        fields = {
            "name": name,
            "short_name": city_name + name[len(city_name):len(city_name) + 2],
            "credit_code": self.credit_code(division),
            "legal_representative": self.person(),
            "address": f"{city_name}市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            "postcode": postcode,
            "phone": self.unique_phone(area),
            "fax": f"{area}-{rng.randint(20_000_000, 89_999_999)}",
            "email": f"logistics{i:05d}@example.cn",
            "industry": self.industries.get(industry),
            "nature": self.natures.get(nature),
            "ownership": weighted(rng, OWNERSHIP_WEIGHTS),
            "location_type": rng.choice(LocationType.values),
            "region": self.regions.get(territory),
            "route": rng.choice(self.routes[territory]) if territory in self.routes else None,
            "route_stop": rng.randint(1, 30),
            "founded_on": founded,
            "organisation_form": "有限责任公司" if "股份" not in name else "股份有限公司",
            "business_scope": f"{trade_word}；货物及技术进出口；国内货运代理。",
            "registered_capital": Decimal(rng.choice([50, 100, 200, 500, 1000, 3000, 5000])) * 10_000,
            "employees": rng.choice([12, 35, 80, 150, 300, 800, 2000]),
            "annual_revenue": Decimal(rng.randint(5, 5000)) * 100_000,
            "service_area": rng.choice(["长三角", "珠三角", "京津冀", "全国", "东南亚", "欧美"]),
            "main_goods": goods,
            "packaging": packaging,
            "typical_volume": f"每月约{rng.randint(2, 80)}个标准箱",
            "origin_place": rng.choice(PORTS),
            "destination_place": rng.choice(DESTINATIONS),
            "has_trade_rights": rng.random() < 0.7,
            "customs_domestic": rng.choice(handling),
            "clearance_foreign": rng.choice(handling),
            "transport_domestic": rng.choice(handling),
            "transport_foreign": rng.choice(handling),
            "loading_unloading": rng.choice(handling),
            "service_needs": sorted(rng.sample(ServiceNeed.values, rng.randint(1, 4))),
            "bank": f"{rng.choice(BANKS)}{city_name}分行",
            "bank_account": "".join(str(rng.randint(0, 9)) for _ in range(19)),
            "financial_status": rng.choice(["良好", "一般", "资金紧张", "稳健"]),
            "asset_liability_ratio": Decimal(rng.randint(2000, 8500)) / 100,
            "our_goods": goods,
            "our_share": Decimal(rng.randint(5, 80)),
            "our_price_level": rng.choice(["略高于市场", "持平", "略低于市场"]),
            "stage": stage,
        }
        if stage == Stage.CUSTOMER and rng.random() < 0.6:  # the archive's evaluation, where the owner wrote one
            fields.update(cooperation_attitude=rng.choice(["积极配合，沟通顺畅", "配合一般，需多跟进", "合作意愿强"]),
                          existing_problems=rng.choice(["回款偏慢", "旺季舱位紧张时投诉较多", "单证常有差错"]),
                          strengths=rng.choice(["运价稳定", "仓储配送一体化", "响应及时"]),
                          countermeasures=rng.choice(["每季度上门拜访一次", "指定专人跟单", "年底前谈定年度协议"]),
                          staff_quality=rng.choice(["管理规范，业务人员专业", "决策快，执行力强", "人员流动较大"]))
        # Completeness varies as in real archives: most are full, some miss a few fields, leads miss many.
        gaps = rng.choice([0, 0, 0, 0, 1, 2, 3, 5]) + (4 if stage in (Stage.LEAD, Stage.PROSPECT) else 0)
        for name in rng.sample(OPTIONAL_FIELDS, min(gaps, len(OPTIONAL_FIELDS))):
            fields[name] = None if name == "asset_liability_ratio" else ""
        if stage == Stage.CUSTOMER:
            fields["first_trade_on"] = self.today - dt.timedelta(days=rng.randint(200, 3000))
        elif stage in (Stage.LOST, Stage.DISCARDED):
            fields["lost_reason"] = rng.choice(["价格因素转投竞争对手", "客户业务转型", "信息失实，无开发价值"])
        # The clerk files for the owners of her teams; the head, who keeps every branch, for the others.
        filer = self.users["clerk"] if team in self.users["clerk"].teams.all() else self.users["head"]
        return customer_create(user=filer, owner=owner, team=team, source=source, **fields)

    def contacts_for(self, customer: Customer) -> list[Contact]:
        rng = self.rng
        contacts = []
        for k in range(rng.randint(1, 3)):
            title, department = rng.choice(TITLES)
            contacts.append(Contact(
                customer=customer, name=self.person(), title=title, department=department,
                phone=customer.phone, mobile=f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
                email=f"contact{k}.{customer.email}" if customer.email else "",
                gender=rng.choice(Contact.Gender.values), is_primary=k == 0,
                is_decision_maker=title in ("总经理", "销售总监") or k == 0,
                is_manager=title.endswith(("经理", "总监", "主管")),
                birth_date=dt.date(rng.randint(1965, 1995), rng.randint(1, 12), rng.randint(1, 28)),
                native_place=rng.choice(CITIES)[0], home_address=f"{customer.address[:3]}某小区{rng.randint(1, 30)}栋",
                education=rng.choice(EDUCATION), family=rng.choice(["已婚，一子", "已婚，一女", "未婚"]),
                personality=rng.choice(PERSONALITY), hobbies=rng.choice(HOBBIES),
                relation_to_decision_makers="本人" if k == 0 else "直接下属",
            ))
        return contacts

    def competitors_for(self, customer: Customer) -> list[Competitor]:
        rng = self.rng
        return [
            Competitor(customer=customer, name=name + "有限公司", nature="货代", head=self.person(),
                       goods_supplied=customer.main_goods, volume=f"每月约{rng.randint(1, 40)}个标准箱",
                       share=Decimal(rng.randint(5, 45)), price_level=rng.choice(["较低", "持平", "较高"]),
                       sales_situation=rng.choice(["稳定", "增长", "下滑"]))
            for name in rng.sample(COMPETITORS, rng.randint(0, 2))
        ]

    def interactions_for(self, customer: Customer) -> list[Interaction]:
        rng = self.rng
        return [
            Interaction(customer=customer, kind=rng.choice(Interaction.Kind.values), user=customer.owner,
                        date=self.today - dt.timedelta(days=rng.randint(0, 365)),
                        summary=rng.choice(INTERACTION_SUMMARIES))
            for _ in range(rng.randint(0, 3))
        ]

    def records_for(self, customer: Customer) -> list[BusinessRecord]:
        """18 months of orders for transacting customers; most paid on time, some overdue."""
        if customer.stage not in (Stage.CUSTOMER, Stage.LOST):
            return []
        rng = self.rng
        records = []
        last_day = 550 if customer.stage == Stage.CUSTOMER else 900  # lost customers stopped over a year ago
        contract_rate = Decimal(rng.randint(800, 6000))
        for k in range(rng.randint(0, 24)):
            date = self.today - dt.timedelta(days=rng.randint(0 if customer.stage == Stage.CUSTOMER else 400,
                                                              last_day))
            volume = Decimal(rng.randint(1, 40))
            unit_price = (contract_rate * Decimal(rng.randint(90, 112)) / 100).quantize(Decimal("0.01"))
            amount = (volume * unit_price).quantize(Decimal("0.01"))
            due = date + dt.timedelta(days=rng.choice([15, 30, 30, 45, 60]))
            paid, paid_date = Decimal("0"), None
            if due < self.today:
                chance = rng.random()
                if chance < 0.85:
                    paid, paid_date = amount, min(due + dt.timedelta(days=rng.randint(-10, 5)), self.today)
                elif chance < 0.93:
                    paid, paid_date = (amount / 2).quantize(Decimal("0.01")), due
            elif rng.random() < 0.4:
                paid, paid_date = amount, date + dt.timedelta(days=rng.randint(1, 10))
                paid_date = min(paid_date, self.today)
            records.append(BusinessRecord(
                customer=customer, external_id=f"DEMO-{customer.code}-{k:03d}", date=date,
                contract_no=f"HT{date.year}-{customer.code}", service_type=rng.choice(SERVICE_CODES),
                goods=customer.main_goods, volume=volume, unit_price=unit_price, contract_unit_price=contract_rate,
                amount=amount, cost=(amount * Decimal(rng.randint(78, 96)) / 100).quantize(Decimal("0.01")),
                due_date=due, paid_amount=paid, paid_date=paid_date,
            ))
        return records


def load_customer_demo(*, users: dict[str, User], teams: dict[str, Team], rng: random.Random, customers: int
                       ) -> str:
    """The archives, while there are none (a second run adds nothing)."""
    started = time.monotonic()
    routes = ensure_routes()
    existing = Customer.objects.count()
    if existing:
        return f"{existing} customer archives exist already: no demo customers added."
    if not customers:
        return ""
    with transaction.atomic():
        counts = DemoCustomers(rng, users, teams, routes).create(customers)
    return ("Created {customers} customers, {contacts} contacts, {competitors} competitors, {interactions} "
            "interactions, {records} business records, {documents} documents in {seconds:.1f} s.").format(
        **counts, seconds=time.monotonic() - started)


def _key_account_demo(*, users, teams, rng, customers) -> str:
    from customers.key_accounts.demo import load_key_account_demo

    counts = load_key_account_demo(users, rng)
    if not any(counts.values()):
        return ""
    return "Created {leads} leads and {applications} key-account applications.".format(**counts)


def register() -> None:
    from crm.demo import register_demo

    register_demo("customers", load_customer_demo, order=10)
    register_demo("key_accounts", _key_account_demo, order=30)
