"""The columns of customer and contact files, declared once.

Each column names the field it fills, its header (translated: exports and template files are written in
the user's language) and the other headers clerks type, mostly the Chinese headings of the department's
own sheets (客户编码, 收发货单位全称, 所属行业 ...). `header_map()` turns all of them into one dict
{normalised header: field}. The importers, the export resources and the template files all read these.
"""

from __future__ import annotations

import contextlib
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from customers.models import Contact, Customer, LocationType, Ownership, Stage, Tier


def header_key(text: Any) -> str:
    """Headers compare full-width/half-width, case and spaces insensitively."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).casefold().split()).rstrip("*")


@dataclass(frozen=True)
class Column:
    """One column of an import/export file.

    kind: text, code, choice, fk (a name of an admin-editable list), route, owner, customer (a
    customer code, contacts only), bool, date, decimal, int.
    """

    field: str
    label: Promise
    kind: str = "text"
    aliases: tuple[str, ...] = ()
    importable: bool = True
    sensitive: bool = False

    @property
    def header(self) -> str:
        return str(self.label)


def _col(field: str, label: Promise, kind: str = "text", *aliases: str, importable: bool = True,
         sensitive: bool = False) -> Column:
    return Column(field, label, kind, aliases, importable, sensitive)


CUSTOMER_COLUMNS: tuple[Column, ...] = (
    _col("code", _("Customer code"), "code", "客户编码", "客户代码", "编码"),
    _col("name", _("Full name"), "text", "收发货单位全称", "客户名称", "单位全称", "全称", "单位名称"),
    _col("short_name", _("Short name"), "text", "简称", "客户简称"),
    _col("credit_code", _("Unified social credit code"), "text", "统一社会信用代码", "社会信用代码", "信用代码"),
    _col("legal_representative", _("Legal representative"), "text", "法定代表人", "法人代表", "法人"),
    _col("address", _("Address"), "text", "地址", "单位地址", "详细地址"),
    _col("postcode", _("Postcode"), "text", "邮编", "邮政编码"),
    _col("phone", _("Phone"), "text", "电话", "联系电话", "单位电话"),
    _col("fax", _("Fax"), "text", "传真"),
    _col("email", _("Email"), "text", "邮箱", "电子邮件", "电子邮箱", "e-mail"),
    _col("website", _("Website"), "text", "网址", "网站"),
    _col("industry", _("Industry"), "fk", "所属行业", "行业"),
    _col("ownership", _("Ownership"), "choice", "所有制", "所有制形式"),
    _col("nature", _("Customer nature"), "fk", "客户性质", "性质"),
    _col("location_type", _("Location type"), "choice", "地域", "地域类型"),
    _col("region", _("Sales territory"), "fk", "区域", "销售区域"),
    _col("route", _("Route"), "route", "路序", "线路"),
    _col("stage", _("Stage"), "choice", "阶段", "客户阶段"),
    _col("owner", _("Account manager (username)"), "owner", "客户经理(用户名)", "客户经理", "专管员", "客户专管员"),
    _col("main_goods", _("Main goods"), "text", "货名", "主要货物", "主要货名"),
    _col("origin_place", _("Origin (place/port)"), "text", "起运地/港", "起运地", "起运港"),
    _col("destination_place", _("Destination (place/port)"), "text", "目的地/港", "目的地", "目的港"),
    _col("business_scope", _("Business scope"), "text", "经营范围"),
    _col("founded_on", _("Founded on"), "date", "成立日期", "成立时间"),
    _col("employees", _("Employees"), "int", "员工人数", "职工人数"),
    _col("bank", _("Bank"), "text", "开户银行", "开户行", sensitive=True),
    _col("bank_account", _("Bank account"), "text", "银行账号", "账号", sensitive=True),
    _col("registered_capital", _("Registered capital (CNY)"), "decimal", "注册资本", "注册资金", sensitive=True),
    _col("annual_revenue", _("Annual revenue (CNY)"), "decimal", "年营业额", "年收入", sensitive=True),
    # Written by exports, ignored by imports: they have their own workflows.
    _col("tier", _("Key-account tier"), "choice", "大客户级别", "客户级别", importable=False),
    _col("credit_grade", _("Credit grade"), "choice", "信用等级", "资信等级", importable=False),
    _col("team", _("Team"), "fk", "团队", "所属部门", importable=False),
    _col("is_checked", _("Checked"), "bool", "已审核", importable=False),
    _col("last_verified_on", _("Last verified on"), "date", "最近核实日期", importable=False),
)

_PERSONAL = set(Contact.SENSITIVE_FIELDS)

CONTACT_COLUMNS: tuple[Column, ...] = tuple(
    Column(c.field, c.label, c.kind, c.aliases, c.importable, c.field in _PERSONAL)
    for c in (
        _col("customer_code", _("Customer code"), "customer", "客户编码", "客户代码"),
        _col("customer_name", _("Customer"), "text", "客户名称", "收发货单位全称", importable=False),
        _col("name", _("Name"), "text", "姓名", "联系人", "联系人姓名"),
        _col("title", _("Job title"), "text", "职务", "职位"),
        _col("department", _("Department"), "text", "部门"),
        _col("phone", _("Work phone"), "text", "电话", "办公电话", "工作电话"),
        _col("mobile", _("Mobile"), "text", "手机", "手机号"),
        _col("email", _("Email"), "text", "邮箱", "电子邮件", "e-mail"),
        _col("gender", _("Gender"), "choice", "性别"),
        _col("is_primary", _("Main contact"), "bool", "主要联系人"),
        _col("is_decision_maker", _("Decision maker"), "bool", "决策人", "是否决策人"),
        _col("is_legal_representative", _("Legal representative"), "bool", "法定代表人", "是否法定代表人"),
        _col("is_owner", _("Owner of the business"), "bool", "业主", "是否业主"),
        _col("is_manager", _("Manager"), "bool", "经理", "是否经理"),
        _col("relation_to_decision_makers", _("Relation to decision makers"), "text", "与决策者关系"),
        _col("birth_date", _("Birth date"), "date", "出生日期", "生日"),
        _col("native_place", _("Native place"), "text", "籍贯"),
        _col("home_address", _("Home address"), "text", "家庭住址", "家庭地址"),
        _col("education", _("Education"), "text", "学历"),
        _col("family", _("Family"), "text", "家庭情况", "家庭"),
        _col("personality", _("Personality"), "text", "性格", "个性"),
        _col("hobbies", _("Hobbies"), "text", "爱好", "兴趣爱好"),
    )
)

COLUMNS = {"customers": CUSTOMER_COLUMNS, "contacts": CONTACT_COLUMNS}

# Codes of the choice columns, by any of the names clerks use. The choices' English and Chinese
# labels are added from the catalogue at run time (choice_lookup); these are the other spellings.
CHOICE_ALIASES: dict[str, dict[str, str]] = {
    "ownership": {"全民": "state_owned", "全民所有制": "state_owned", "国有": "state_owned", "国营": "state_owned",
                  "集体": "collective", "集体所有制": "collective", "个体": "private", "私营": "private",
                  "民营": "private", "股份制": "joint_stock", "股份": "joint_stock", "合资": "joint_venture",
                  "外资": "foreign_owned", "独资": "foreign_owned", "其他": "other", "其它": "other"},
    "location_type": {"商业中心": "business_centre", "商业区": "business_centre", "交通枢纽": "transport_hub",
                      "居民区": "residential", "住宅区": "residential", "其他": "other", "其它": "other"},
    "stage": {"销售线索": "lead", "线索": "lead", "潜在客户": "prospect", "潜在": "prospect",
              "交易客户": "customer", "客户": "customer", "流失": "lost", "已流失": "lost", "放弃": "discarded",
              "已放弃": "discarded"},
    "gender": {"男": "male", "女": "female", "m": "male", "f": "female"},
}

CHOICES = {
    "ownership": Ownership.choices,
    "location_type": LocationType.choices,
    "stage": Stage.choices,
    "gender": Contact.Gender.choices,
    "tier": Tier.choices,
    "credit_grade": Tier.choices,
}


def choice_lookup(field: str) -> dict[str, str]:
    """{normalised code, English label, Chinese label or alias: code} for a choice column."""
    lookup: dict[str, str] = {}
    for code, label in CHOICES[field]:
        lookup[header_key(code)] = code
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup[header_key(str(label))] = code
        lookup[header_key(str(label))] = code
    for alias, code in CHOICE_ALIASES.get(field, {}).items():
        lookup.setdefault(header_key(alias), code)
    return lookup


def header_map(columns: tuple[Column, ...]) -> dict[str, str]:
    """{normalised header: field} over every accepted spelling of every column: the field name,
    the English header, its translation, the model's verbose name and the Chinese aliases."""
    mapping: dict[str, str] = {}
    model = Contact if columns is CONTACT_COLUMNS else Customer
    for column in columns:
        names: list[Any] = [column.field, *column.aliases]
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names.append(str(column.label))
                with contextlib.suppress(FieldDoesNotExist):  # customer_code/customer_name
                    names.append(str(model._meta.get_field(column.field).verbose_name))
        names.append(str(column.label))
        for name in names:
            mapping.setdefault(header_key(name), column.field)
    return mapping
