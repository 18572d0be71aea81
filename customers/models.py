"""Customer archives (SPEC §2.1), classification lists (§2.2), business records (§2.5),
the annual refresh (§2.4) and confidentiality (§8)."""

import datetime as dt
import re
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from crm import audit
from crm.lists import NamedListItem
from crm.models import LongJob, TimeStampedModel
from crm.workflow import TransitionLog
from customers.normalize import normalize_name, normalize_phone
from customers.validators import validate_credit_code

MONEY = {"max_digits": 16, "decimal_places": 2}


class Industry(NamedListItem):
    class Meta(NamedListItem.Meta):
        verbose_name = _("industry")
        verbose_name_plural = _("industries")


class Region(NamedListItem):
    """A sales territory (区域)."""

    class Meta(NamedListItem.Meta):
        verbose_name = _("sales territory")
        verbose_name_plural = _("sales territories")


class Route(models.Model):
    """An ordered visiting route (路序) inside a sales territory."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="routes", verbose_name=_("territory"))
    name = models.CharField(_("name"), max_length=100)
    sequence = models.PositiveIntegerField(
        _("sequence"), default=0, help_text=_("Order of the route in its territory.")
    )

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["region__sort_order", "sequence", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="route_unique_name_per_region")]

    def __str__(self) -> str:
        return f"{self.region.name} · {self.name}"


class CustomerNature(NamedListItem):
    """客户性质: manufacturer, trading company, forwarder... (admin-editable)."""

    class Meta(NamedListItem.Meta):
        verbose_name = _("customer nature")
        verbose_name_plural = _("customer natures")


class Stage(models.TextChoices):
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Transacting customer")
    LOST = "lost", _("Lost")
    DISCARDED = "discarded", _("Discarded")


class Ownership(models.TextChoices):
    STATE_OWNED = "state_owned", _("State-owned")
    COLLECTIVE = "collective", _("Collective")
    PRIVATE = "private", _("Private / individual")
    JOINT_STOCK = "joint_stock", _("Joint-stock")
    JOINT_VENTURE = "joint_venture", _("Joint venture")
    FOREIGN_OWNED = "foreign_owned", _("Foreign-owned")
    OTHER = "other", _("Other")


class LocationType(models.TextChoices):
    BUSINESS_CENTRE = "business_centre", _("Business centre")
    TRANSPORT_HUB = "transport_hub", _("Transport hub")
    RESIDENTIAL = "residential", _("Residential area")
    OTHER = "other", _("Other")


class Tier(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Handling(models.TextChoices):
    SELF = "self", _("Handled by itself")
    AGENT = "agent", _("Entrusted to an agent")


class ServiceNeed(models.TextChoices):
    GENERAL_TRADE = "general_trade", _("Import/export: general trade")
    BORDER_TRADE = "border_trade", _("Import/export: border small-scale trade")
    MUTUAL_MARKET = "mutual_market", _("Import/export: mutual-market trade")
    IMPORTED_MATERIALS = "imported_materials", _("Import/export: processing with imported materials")
    SUPPLIED_MATERIALS = "supplied_materials", _("Import/export: processing with supplied materials")
    TRANSIT = "transit", _("Import/export: transit")
    # The direction, apart from the trade mode: "import only" is a need of its own.
    IMPORT = "import", pgettext_lazy("service need", "Import")
    EXPORT = "export", pgettext_lazy("service need", "Export")
    INTERNATIONAL_TRADE = "international_trade", _("International trade")
    TRANSPORT = "transport", _("Transport")
    LOADING = "loading", _("Loading and unloading")
    DISTRIBUTION = "distribution", _("Distribution")
    WAREHOUSING = "warehousing", _("Warehousing")
    DEEP_PROCESSING = "deep_processing", _("Deep processing")
    FINANCING = "financing", _("Financing")


class DataSource(models.TextChoices):
    STAFF_VISIT = "staff_visit", _("Visit by our staff")
    CUSTOMER_FORM = "customer_form", _("Form filled by the customer")
    AGENCY = "agency", _("Agency investigation")
    FREIGHT_SYSTEM = "freight_system", _("Freight system")
    IMPORT = "import", _("File import")
    OTHER = "other", _("Other")


# Sources whose data stays "unchecked" until a clerk checks it (客户提供的资料应加以审核).
UNCHECKED_SOURCES = {DataSource.CUSTOMER_FORM, DataSource.FREIGHT_SYSTEM}


class Customer(TimeStampedModel):
    """A shipper/consignee organisation: the customer archive (客户档案 / 客户资料卡)."""

    # Identity
    code = models.CharField(_("customer code"), max_length=20, unique=True, editable=False)
    name = models.CharField(_("full name"), max_length=200, help_text=_("收发货单位全称, unique in the company."))
    name_normalized = models.CharField(max_length=200, unique=True, editable=False)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code],
        help_text=_("18 characters, checked with its check digit."),
    )
    legal_representative = models.CharField(_("legal representative"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_normalized = models.CharField(max_length=40, blank=True, editable=False, db_index=True)
    fax = models.CharField(_("fax"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)

    # Business profile and classification
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("industry"))
    ownership = models.CharField(_("ownership"), max_length=20, choices=Ownership.choices, blank=True)
    nature = models.ForeignKey(
        CustomerNature, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("nature")
    )
    location_type = models.CharField(_("location type"), max_length=20, choices=LocationType.choices, blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("sales territory")
    )
    route = models.ForeignKey(Route, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("route"))
    route_stop = models.PositiveSmallIntegerField(
        _("stop on the route"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Where the customer comes on its route's visiting order (路序): 1 is visited first."))
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    first_trade_on = models.DateField(_("first trade on"), null=True, blank=True)
    organisation_form = models.CharField(_("organisation form"), max_length=100, blank=True)
    business_scope = models.TextField(_("business scope"), blank=True)
    registered_capital = models.DecimalField(_("registered capital (CNY)"), **MONEY, null=True, blank=True)
    total_assets = models.DecimalField(_("total assets (CNY)"), **MONEY, null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(_("annual revenue (CNY)"), **MONEY, null=True, blank=True)
    service_area = models.CharField(_("service area"), max_length=200, blank=True)
    sales_capability = models.TextField(_("sales capability"), blank=True)
    development_potential = models.TextField(_("development potential"), blank=True)
    business_philosophy = models.TextField(_("business philosophy and policies"), blank=True)
    management_characteristics = models.TextField(_("management characteristics"), blank=True)

    # The customer's own terms
    purchasing_policy = models.TextField(_("purchasing policy"), blank=True)
    typical_usage = models.TextField(_("typical usage / volume"), blank=True)
    technical_requirements = models.TextField(_("technical requirements"), blank=True)

    # Logistics profile and service needs
    main_goods = models.CharField(_("main goods"), max_length=200, blank=True)
    goods_specification = models.CharField(_("specification"), max_length=200, blank=True)
    packaging = models.CharField(_("packaging"), max_length=100, blank=True)
    typical_volume = models.CharField(_("typical volume"), max_length=100, blank=True)
    origin_place = models.CharField(_("origin (place/port)"), max_length=100, blank=True)
    destination_place = models.CharField(_("destination (place/port)"), max_length=100, blank=True)
    has_trade_rights = models.BooleanField(_("import/export rights"), null=True, blank=True)
    customs_domestic = models.CharField(_("domestic customs"), max_length=10, choices=Handling.choices, blank=True)
    clearance_foreign = models.CharField(_("foreign clearance"), max_length=10, choices=Handling.choices, blank=True)
    transport_domestic = models.CharField(_("domestic transport"), max_length=10, choices=Handling.choices, blank=True)
    transport_foreign = models.CharField(_("foreign transport"), max_length=10, choices=Handling.choices, blank=True)
    loading_unloading = models.CharField(_("loading/unloading"), max_length=10, choices=Handling.choices, blank=True)
    service_needs = models.JSONField(_("service needs"), default=list, blank=True,
                                     help_text=_("Codes of ServiceNeed."))

    # Financial (sensitive, SPEC §8)
    bank = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=60, blank=True)
    financial_status = models.TextField(_("financial status"), blank=True)
    asset_liability_ratio = models.DecimalField(
        _("asset-liability ratio (%)"), max_digits=7, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    return_on_assets = models.DecimalField(_("return on assets (%)"), max_digits=7, decimal_places=2,
                                           null=True, blank=True)

    # Our own figures beside the competitors'
    our_goods = models.CharField(_("goods we carry"), max_length=200, blank=True)
    our_volume = models.CharField(_("our volume"), max_length=100, blank=True)
    our_share = models.DecimalField(_("our share of its volume (%)"), max_digits=5, decimal_places=2, null=True,
                                    blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)])
    our_price_level = models.CharField(_("our price level"), max_length=100, blank=True)
    our_sales_situation = models.CharField(_("our sales situation"), max_length=200, blank=True)
    cooperation_note = models.TextField(_("cooperation remarks"), blank=True,
                                        help_text=_("备注 of the card's cooperation section (合作情况)."))

    # The archive's evaluation (档案评价, the department's forms)
    cooperation_attitude = models.TextField(_("attitude to cooperation"), blank=True)
    existing_problems = models.TextField(_("problems"), blank=True)
    strengths = models.TextField(_("strengths to keep"), blank=True)
    countermeasures = models.TextField(_("measures for the future"), blank=True)
    staff_quality = models.TextField(_("quality of its managers and staff"), blank=True)

    # Lifecycle, key account and credit (tier/target/grade are set only by their own workflows)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.CUSTOMER, db_index=True)
    tier = models.CharField(_("key-account tier"), max_length=1, choices=Tier.choices, null=True, blank=True,
                            editable=False)
    annual_revenue_target = models.DecimalField(_("annual revenue target (CNY)"), **MONEY, null=True, blank=True,
                                                editable=False)
    credit_grade = models.CharField(_("credit grade"), max_length=1, choices=Tier.choices, null=True, blank=True,
                                    editable=False)
    lost_reason = models.CharField(_("reason lost / discarded"), max_length=300, blank=True)
    churn_risk = models.BooleanField(_("churn risk"), default=False, editable=False)

    # Ownership and confidentiality
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_customers",
                              verbose_name=_("owner"))
    team = models.ForeignKey("crm.Team", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="customers", verbose_name=_("team"),
                             help_text=_("Clerks and heads of this team read the archive."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))

    # Provenance and health
    source = models.CharField(_("data source"), max_length=20, choices=DataSource.choices,
                              default=DataSource.STAFF_VISIT)
    is_checked = models.BooleanField(_("checked"), default=True,
                                     help_text=_("Data from customers or the freight system stays unchecked until "
                                                 "a clerk checks it."))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("checked by"))
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    last_verified_on = models.DateField(_("last verified on"), null=True, blank=True)

    # Retirement
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    deactivation_reason = models.CharField(_("deactivation reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~models.Q(credit_code=""),
                                    name="customer_unique_credit_code"),
            # Two simultaneous filings with one phone: the database keeps one (services.find_duplicate's
            # rule: active archives, seven digits or more; the loser is told which archive it duplicates).
            models.UniqueConstraint(
                fields=["phone_normalized"],
                condition=models.Q(is_active=True) & models.Q(GreaterThanOrEqual(Length("phone_normalized"), 7)),
                name="customer_unique_active_phone",
                violation_error_message=_("An archive with the same phone already exists."),
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "is_active"]),
            models.Index(fields=["team", "is_active"]),
            models.Index(fields=["last_verified_on"]),
            # The list's orderings (name, short name; pk breaks ties). Trigram indexes for the search
            # are PostgreSQL-only: migration 0005_list_and_search_indexes.
            models.Index(fields=["name", "id"], name="customer_name_id"),
            models.Index(fields=["short_name", "id"], name="customer_short_name_id"),
            models.Index(fields=["stage", "name", "id"], name="customer_stage_name_id"),
            # The owners of a team's archives (the list's owner filter) from the index alone.
            models.Index(fields=["team", "owner"], name="customer_team_owner"),
        ]
        permissions = [
            ("handover_customer", "Can hand a customer over to another owner"),
            ("view_sensitive", "Can see sensitive fields of the customers one may read"),
        ]

    # Fields counted by the archive completeness (SPEC §2.1 "archive health").
    KEY_FIELDS = (
        "name", "short_name", "address", "phone", "industry_id", "ownership", "nature_id", "location_type",
        "region_id", "route_id", "legal_representative", "credit_code", "main_goods", "origin_place",
        "destination_place", "business_scope", "bank",
    )
    # Changes recorded as major in the archive history (SPEC §2.4).
    MAJOR_FIELDS = ("name", "address", "ownership", "legal_representative")
    SENSITIVE_FINANCIAL_FIELDS = ("bank", "bank_account", "financial_status", "asset_liability_ratio",
                                  "return_on_assets", "registered_capital", "total_assets", "annual_revenue")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self):
        self.name = " ".join((self.name or "").split())
        self.name_normalized = normalize_name(self.name)
        self.phone_normalized = normalize_phone(self.phone)
        self.credit_code = (self.credit_code or "").strip().upper()

    def task_progress(self, year: int | None = None) -> dict | None:
        """任务进度: this year's business against the annual target of the key-account contract."""
        if not self.annual_revenue_target:
            return None
        year = year or timezone.localdate().year
        done = self.business_records.filter(date__year=year).aggregate(total=models.Sum("amount"))["total"]
        done = done or Decimal("0")
        return {"year": year, "done": done, "target": self.annual_revenue_target,
                "percent": (done / self.annual_revenue_target * 100).quantize(Decimal("1"))}

    @property
    def completeness(self) -> int:
        """Share of the key fields filled, in percent."""
        filled = sum(1 for field in self.KEY_FIELDS if getattr(self, field) not in (None, "", []))
        return round(100 * filled / len(self.KEY_FIELDS))

    @property
    def next_verification_due(self) -> dt.date:
        from crm.rules import rule_value

        months = rule_value("ARCHIVE_REFRESH_MONTHS")
        if self.last_verified_on:
            base = self.last_verified_on
        else:
            base = timezone.localdate(self.created_at) if self.created_at else timezone.localdate()
        return add_months(base, months)

    @property
    def verification_overdue(self) -> bool:
        # Due on the anniversary itself, as the refresh job counts it (refresh_due_cutoff).
        return self.next_verification_due <= timezone.localdate()


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate_day)
        except ValueError:
            continue
    raise ValueError(day)


class Contact(TimeStampedModel):
    """A person at the customer (联系人). Personal fields are sensitive (SPEC §8)."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("title"), max_length=60, blank=True)
    department = models.CharField(_("department"), max_length=60, blank=True)
    phone = models.CharField(_("work phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    is_legal_representative = models.BooleanField(_("legal representative"), default=False)
    is_owner = models.BooleanField(_("owner of the business"), default=False)
    is_manager = models.BooleanField(_("manager"), default=False)
    relation_to_decision_makers = models.CharField(_("relation to decision makers"), max_length=200, blank=True)
    # Sensitive personal data
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    native_place = models.CharField(_("native place"), max_length=60, blank=True)
    home_address = models.CharField(_("home address"), max_length=200, blank=True)
    education = models.CharField(_("education"), max_length=60, blank=True)
    family = models.CharField(_("family"), max_length=200, blank=True)
    personality = models.CharField(_("personality"), max_length=200, blank=True)
    hobbies = models.CharField(_("hobbies"), max_length=200, blank=True)
    abilities = models.CharField(_("abilities"), max_length=300, blank=True)
    note = models.CharField(_("remarks"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    @property
    def age(self) -> int | None:
        """Full years today, shown beside the birth date."""
        if not self.birth_date:
            return None
        today = timezone.localdate()
        return today.year - self.birth_date.year - ((today.month, today.day) < (self.birth_date.month,
                                                                                 self.birth_date.day))

    SENSITIVE_FIELDS = ("birth_date", "native_place", "home_address", "education", "family", "personality",
                        "hobbies", "mobile")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]
        constraints = [
            # One main contact per customer, even for two simultaneous additions (services demote the old one).
            models.UniqueConstraint(fields=["customer"], condition=models.Q(is_primary=True),
                                    name="contact_one_primary_per_customer",
                                    violation_error_message=_("This customer already has a main contact.")),
        ]

    def __str__(self) -> str:
        return self.name


class Competitor(TimeStampedModel):
    """A competitor serving this customer (主要竞争对手), beside our own figures on the customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="competitors",
                                 verbose_name=_("customer"))
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    nature = models.CharField(pgettext_lazy("competitor", "nature"), max_length=100, blank=True)
    head = models.CharField(_("head"), max_length=60, blank=True)
    goods_supplied = models.CharField(_("goods they carry"), max_length=200, blank=True)
    volume = models.CharField(_("their volume"), max_length=100, blank=True)
    share = models.DecimalField(_("share of the customer's volume (%)"), max_digits=5, decimal_places=2, null=True,
                                blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)])
    price_level = models.CharField(_("price level"), max_length=100, blank=True)
    sales_situation = models.CharField(_("sales situation"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["-share", "name"]

    def __str__(self) -> str:
        return self.name


class DocumentCategory(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence copy")
    CONTRACT = "contract", _("Contract")
    CERTIFICATE = "certificate", _("Certificate")
    FREIGHT_AGREEMENT = "freight_agreement", _("Freight agreement")
    REQUIREMENTS = "requirements", _("Requirement document")
    COMPETITION = "competition", _("Competition notes")
    RATE_SHEET = "rate_sheet", _("Route rate sheet")
    HANDOVER = "handover", _("Handed-over files")
    OTHER = "other", _("Other")


def customer_document_path(instance, filename: str) -> str:
    return f"customers/{instance.customer_id}/{timezone.now():%Y%m}/{filename}"


class CustomerDocument(TimeStampedModel):
    """A filed document of one customer (资料归档). Served only through the access-checked view."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="documents",
                                 verbose_name=_("customer"))
    category = models.CharField(_("category"), max_length=30, choices=DocumentCategory.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=customer_document_path, max_length=300)
    original_name = models.CharField(
        _("file name"), max_length=255, blank=True,
        help_text=_("The name the file was uploaded under; the stored name may be shorter."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("uploaded by"))

    class Meta:
        verbose_name = _("customer document")
        verbose_name_plural = _("customer documents")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class LibraryDocument(TimeStampedModel):
    """The shared document library (文档与知识): what belongs to no single customer."""

    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=30, choices=DocumentCategory.choices)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to="library/%Y%m/", max_length=300)
    original_name = models.CharField(
        _("file name"), max_length=255, blank=True,
        help_text=_("The name the file was uploaded under; the stored name may be shorter."))
    is_confirmed = models.BooleanField(_("confirmed knowledge"), default=False)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("confirmed by"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("uploaded by"))

    class Meta:
        verbose_name = _("library document")
        verbose_name_plural = _("document library")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Interaction(TimeStampedModel):
    """One item of the interaction log (交往记录): letter, fax, call, meeting, negotiation."""

    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter")
        FAX = "fax", _("Fax")
        CALL = "call", _("Phone call")
        EMAIL = "email", _("E-mail")
        MEETING = "meeting", _("Meeting")
        NEGOTIATION = "negotiation", _("Negotiation")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions",
                                 verbose_name=_("customer"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"), default=timezone.localdate)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("who (our side)"))
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True,
                                verbose_name=_("contact"))
    summary = models.TextField(_("summary"))

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-date", "-created_at"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Section(models.TextChoices):
    IDENTITY = "identity", _("Identity")
    BUSINESS = "business", _("Business profile")
    TERMS = "terms", _("The customer's own terms")
    LOGISTICS = "logistics", _("Logistics profile")
    FINANCIAL = "financial", _("Financial")
    CONTACTS = "contacts", _("Contacts")
    COMPETITORS = "competitors", _("Competitors")


class SectionSource(models.Model):
    """Where a section of the card came from, and whether a clerk checked it."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="section_sources")
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    source = models.CharField(_("data source"), max_length=20, choices=DataSource.choices)
    is_checked = models.BooleanField(_("checked"), default=False)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("section source")
        verbose_name_plural = _("section sources")
        constraints = [models.UniqueConstraint(fields=["customer", "section"], name="section_source_unique")]

    def __str__(self) -> str:
        return f"{self.get_section_display()}: {self.get_source_display()}"


class OwnerChange(models.Model):
    """The owner history (客户专管员动态表)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="owner_changes",
                                 verbose_name=_("customer"))
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("from"))
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("to"))
    changed_at = models.DateTimeField(_("date"), default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("changed by"))
    reason = models.CharField(_("reason"), max_length=300)
    handover_note = models.TextField(_("handover note"), blank=True)
    files_received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+", verbose_name=_("files received by"))
    files_received_at = models.DateTimeField(_("files received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("owner change")
        verbose_name_plural = _("owner changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d} {self.from_user} → {self.to_user}"


class AccessRequest(TimeStampedModel):
    """A request to read one archive one may not read (SPEC §8).

    A request is recorded the same way whether or not the archive asked for exists: `target_key` and
    `target_label` keep what the requester named (a code, an id, the name typed into the filing form),
    `customer` is set only when it names a real archive, and only the heads who decide see which."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="access_requests",
                                 null=True, blank=True, verbose_name=_("customer"),
                                 help_text=_("Empty when the archive asked for does not exist."))
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests",
                                  verbose_name=_("requested by"))
    target_key = models.CharField(_("asked for (key)"), max_length=160, blank=True,
                                  help_text=_("What the requester named, normalised: one open request per key."))
    target_label = models.CharField(_("asked for"), max_length=200, blank=True,
                                    help_text=_("What the requester named, as shown to them."))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at"]
        constraints = [
            # Two simultaneous requests for the same thing: the database keeps one (issue 8).
            models.UniqueConstraint(fields=["requester", "target_key"],
                                    condition=models.Q(status="pending") & ~models.Q(target_key=""),
                                    name="access_request_one_open_per_target"),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.requested_as}"

    @property
    def requested_as(self) -> str:
        """The archive as the requester named it: never more than they typed."""
        if self.target_label:
            return self.target_label
        return self.customer.code if self.customer_id else ""


class AccessRequestLog(TransitionLog):
    """Every step of an access request: asked, granted, refused, withdrawn, grant revoked."""

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="log",
                                verbose_name=_("access request"))

    class Meta(TransitionLog.Meta):
        verbose_name = _("access request step")
        verbose_name_plural = _("access request steps")


class AccessGrant(TimeStampedModel):
    """Time-limited permission to read one archive."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="access_grants",
                                 verbose_name=_("customer"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants",
                             verbose_name=_("user"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("granted by"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))
    revocation_comment = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    request = models.OneToOneField(AccessRequest, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="grant")

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    @property
    def is_current(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class AccessLog(models.Model):
    """Every read of an archive by a non-owner and every export (SPEC §8)."""

    class Action(models.TextChoices):
        READ = "read", _("Read")
        EXPORT = "export", _("Export")
        DOWNLOAD = "download", _("File download")
        PRINT = "print", _("Print")

    class Channel(models.TextChoices):
        WEB = "web", _("Web page")
        API = "api", _("REST API")
        ADMIN = "admin", _("Admin")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("user"))
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("customer"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    customer_ids = models.JSONField(_("archives listed"), default=list, blank=True,
                                    help_text=_("A list read at once (a page of the API list, the classification "
                                                "summary): the ids of the archives on it the reader does not own."))

    class Meta:
        # Apart from django-axes' "access log" (log-ins), titled alike in the admin otherwise.
        verbose_name = _("archive access log entry")
        verbose_name_plural = _("archive access log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action}"

    @property
    def detail_display(self) -> str:
        return access_log_detail_text(self.detail)


# What the doors write into AccessLog.detail (stable English keys, so old rows stay readable in any
# language) and how the log shows them.
ACCESS_LOG_DETAILS = {
    "customer card": _("customer card"),
    "customer card (xlsx)": _("customer card (XLSX)"),
    "brief": _("customer brief"),
    "contacts": _("contacts"),
    "change history": _("change history"),
    "history": _("change history"),
    "data sources": _("data sources"),
    "edit form": _("edit form"),
    "yearly check": _("yearly check"),
    "customer list": _("customer list"),
    "contact edit form": _("contact edit form"),
    "handover page": _("handover page"),
    "retirement page": _("retirement page"),
    "business record": _("business record"),
    "business records": _("business records"),
    "classification summary": _("Customer classification summary"),
    "pipeline": _("lead or prospect card"),
    "key-account application": _("key-account application"),
    "surveys": _("satisfaction surveys"),
    "credit file": _("credit file"),
    "form 5": _("form 5 (performance and credit table)"),
    "form 5 xlsx": _("form 5 (XLSX)"),
}
_EXPORT_DETAIL = re.compile(r"^(?P<kind>\w+) (?P<count>\d+) rows ?(?P<filters>.*)$")
# credit.views.investigation_report_view: "agency report <investigation id>".
_AGENCY_REPORT_DETAIL = re.compile(r"^agency report (?P<investigation>\d+)$")
_CLASSIFICATION_DETAIL = re.compile(r"^classification summary; filters: (?P<filters>.*); rows: (?P<count>\d+)$")
EXPORT_KINDS = {"customers": _("customer archives"), "contacts": _("contacts")}


def access_log_detail_text(detail: str) -> str:
    """The stored detail in the reader's language: "customers 182 rows q=…" → "客户档案导出 182 行（筛选：q=…）"."""
    if not detail:
        return ""
    if detail in ACCESS_LOG_DETAILS:
        return str(ACCESS_LOG_DETAILS[detail])
    if match := _AGENCY_REPORT_DETAIL.match(detail):
        return _("agency report of credit investigation %(investigation)s") % {"investigation": match["investigation"]}
    if match := _CLASSIFICATION_DETAIL.match(detail):
        kind, count, filters = _("Customer classification summary"), match["count"], match["filters"].strip("-")
    elif (match := _EXPORT_DETAIL.match(detail)) and match["kind"] in EXPORT_KINDS:
        kind, count, filters = EXPORT_KINDS[match["kind"]], match["count"], match["filters"]
    else:
        model = next((m for m in apps.get_app_config("customers").get_models()
                      if m._meta.model_name == detail), None)
        return str(model._meta.verbose_name) if model else detail
    text = _("%(kind)s, %(count)s rows") % {"kind": kind, "count": count}
    return _("%(text)s (filters: %(filters)s)") % {"text": text, "filters": filters} if filters else text


class RefreshTask(TimeStampedModel):
    """The yearly refresh of one archive by its owner (SPEC §2.4)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONFIRMED = "confirmed", _("Confirmed unchanged")
        CORRECTED = "corrected", _("Corrected")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="refresh_tasks",
                                 verbose_name=_("customer"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refresh_tasks",
                              verbose_name=_("owner"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("completed by"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("archive refresh task")
        verbose_name_plural = _("archive refresh tasks")
        ordering = ["due_on"]
        constraints = [
            # The job may run twice or late: one open task per archive at most.
            models.UniqueConstraint(fields=["customer"], condition=models.Q(status="open"),
                                    name="refresh_task_one_open"),
        ]


class ServiceType(models.TextChoices):
    TRANSPORT = "transport", _("Transport")
    WAREHOUSING = "warehousing", _("Warehousing")
    DISTRIBUTION = "distribution", _("Distribution")
    CUSTOMS = "customs", _("Customs")
    OTHER = "other", _("Other")


# The freight system's finer codes after the dot ("transport.sea"), shown in words, never as codes.
SERVICE_DETAILS = {
    "sea": pgettext_lazy("service detail", "sea"),
    "road": pgettext_lazy("service detail", "road"),
    "air": pgettext_lazy("service detail", "air"),
    "rail": pgettext_lazy("service detail", "rail"),
    "express": pgettext_lazy("service detail", "express"),
    "multimodal": pgettext_lazy("service detail", "multimodal"),
    "cold_chain": pgettext_lazy("service detail", "cold chain"),
    "bonded": pgettext_lazy("service detail", "bonded"),
    "import": pgettext_lazy("service detail", "import"),
    "export": pgettext_lazy("service detail", "export"),
    "transit": pgettext_lazy("service detail", "transit"),
}


def service_type_label(code: str) -> str:
    """"transport.sea" → "运输（海运）" / "Transport (sea)"; an unknown finer code shows its base type only."""
    base, _dot, detail = (code or "").partition(".")
    label = dict(ServiceType.choices).get(base)
    if label is None:
        return code or ""
    if detail not in SERVICE_DETAILS:
        return str(label)
    return pgettext("service type and its detail", "%(type)s (%(detail)s)") % {
        "type": label, "detail": SERVICE_DETAILS[detail]}


def service_type_filter_choices() -> list[tuple[str, str]]:
    """The business-record filter's choices: each type, and each transport mode under it."""
    choices = []
    for value, _label in ServiceType.choices:
        choices.append((value, service_type_label(value)))
        if value == ServiceType.TRANSPORT:
            choices += [(f"{value}.{mode}", service_type_label(f"{value}.{mode}"))
                        for mode in ("sea", "road", "air", "rail", "multimodal")]
    return choices


class BusinessRecord(TimeStampedModel):
    """An order/shipment done for the customer, from the freight system (交易记录, SPEC §2.5)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="business_records",
                                 verbose_name=_("customer"))
    external_id = models.CharField(_("freight system id"), max_length=64, unique=True, null=True, blank=True)
    date = models.DateField(_("date"))
    contract_no = models.CharField(_("contract no."), max_length=60, blank=True)
    service_type = models.CharField(
        _("service type"), max_length=40,
        help_text=_("transport, warehousing, distribution, customs, other; or finer codes such as transport.sea"),
    )
    goods = models.CharField(_("goods"), max_length=200, blank=True)
    volume = models.DecimalField(_("volume"), max_digits=14, decimal_places=3, null=True, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4, null=True, blank=True)
    contract_unit_price = models.DecimalField(_("contract rate"), max_digits=14, decimal_places=4, null=True,
                                              blank=True)
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    cost = models.DecimalField(_("cost (CNY)"), **MONEY, null=True, blank=True)
    due_date = models.DateField(_("payment due"))
    paid_amount = models.DecimalField(_("amount paid (CNY)"), **MONEY, default=Decimal("0"))
    paid_date = models.DateField(_("date paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("business record")
        verbose_name_plural = _("business records")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["customer", "date"]),
                   # The records list's ordering (-date, -id) over millions of rows.
                   models.Index(fields=["date", "id"], name="business_record_date_id")]

    def __str__(self) -> str:
        return f"{self.date} {self.amount}"

    @property
    def service_type_display(self) -> str:
        return service_type_label(self.service_type)

    @property
    def open_amount(self) -> Decimal:
        return self.amount - (self.paid_amount or Decimal("0"))

    @property
    def price_deviation(self) -> Decimal | None:
        """Deviation of the unit price from the contract's rate, in percent."""
        if self.unit_price is None or not self.contract_unit_price:
            return None
        return ((self.unit_price - self.contract_unit_price) / self.contract_unit_price * 100).quantize(Decimal("0.01"))

    @property
    def profit(self) -> Decimal | None:
        return None if self.cost is None else self.amount - self.cost


class ImportJob(LongJob):
    """A file import; large ones run as Celery tasks with a heartbeat (crm.models.LongJob) and report
    progress: first the check (previewing → previewed), then, once the uploader confirmed it, the write
    (pending with confirmed_at → running → done or failed)."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customer archives")
        CONTACTS = "contacts", _("Contacts")
        BUSINESS_RECORDS = "business_records", _("Business records")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        # A large file's check (dry run) in the worker, then its result waiting for the uploader's confirmation.
        PREVIEWING = "previewing", _("Checking the file")
        PREVIEWED = "previewed", _("Awaiting confirmation")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        # The worker died before the end (no heartbeat): nothing was written; it may be run again.
        INTERRUPTED = "interrupted", _("Interrupted")
        # Discarded by the uploader before it was written.
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y%m/", max_length=300)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("user"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    preview = models.JSONField(
        _("preview"), default=dict, blank=True,
        help_text=_("What the check of a large file found: the figures and the first rows."))
    confirmed_at = models.DateTimeField(
        _("confirmed at"), null=True, blank=True,
        help_text=_("When the uploader confirmed the preview; the file is written only after it."))

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    @property
    def progress(self) -> int:
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


audit.register(Customer, excluded_fields=["updated_at", "name_normalized", "phone_normalized"])
audit.register(Contact, excluded_fields=["updated_at"])
audit.register(Competitor, excluded_fields=["updated_at"])
audit.register(CustomerDocument, excluded_fields=["updated_at"])


from customers.key_accounts.models import (  # noqa: E402, F401  (models of the customers app)
    CustomerRevenue,
    KeyAccountApplication,
    KeyAccountApplicationLog,
    KeyAccountThreshold,
    SatisfactionSurvey,
    ServicePlan,
    TierStrategy,
)
from customers.pipeline.models import CustomerStageLog, PipelineProfile  # noqa: E402, F401
