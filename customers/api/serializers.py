"""Serializers of the customers API (SPEC §9). They shape input and output only: every write goes
through customers.services / customers.business_records, called by the views."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.models import User
from customers.models import (
    BusinessRecord,
    Contact,
    Customer,
    CustomerNature,
    DataSource,
    Handling,
    Industry,
    Region,
    Route,
    ServiceNeed,
    ServiceType,
    Tier,
)
from customers.policies import can_see_financials

IDENTITY_FIELDS = ("id", "code", "name", "short_name", "credit_code", "address", "phone", "stage", "region",
                   "industry", "is_active")
FINANCIAL_FIELDS = Customer.SENSITIVE_FINANCIAL_FIELDS

# Fields with their own workflow: sent with another value, they answer 400 naming the door to use.
# (Sent unchanged, as a client that PUTs back what it read does, they are accepted.)
GUARDED_MESSAGES = {
    "owner": _("The owner changes only through POST customers/{id}/handover/."),
    "source": _("The data source is recorded when the archive is filed."),
    "tier": _("The key-account tier is set only by the approval of a key-account application."),
    "annual_revenue_target": _("The annual revenue target is set only by the approval of a key-account "
                               "application."),
    "credit_grade": _("The credit grade is set only by the credit officer's grading."),
    "is_checked": _("A clerk marks the archive checked on its card."),
    "is_active": _("Retire an archive with POST customers/{id}/deactivate/ and a reason."),
}
CREATE_ONLY = ("owner", "source")
# On creation, the source decides whether the archive starts checked.
SET_ON_CREATE = ("owner", "source", "is_checked")


def _current_user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _same_value(sent, current) -> bool:
    """Whether a value sent for a guarded field equals the stored one."""
    if current is None or current == "":
        return sent in (None, "")
    if isinstance(current, bool):
        return str(sent).strip().lower() in (("true", "1") if current else ("false", "0"))
    if isinstance(current, Decimal):
        try:
            return Decimal(str(sent)) == current
        except (InvalidOperation, ValueError):
            return False
    if isinstance(current, User):
        return str(sent) == str(current.pk)
    return str(sent) == str(current)


# The same choice sets serve several fields (tier and credit grade; the five "handled by" fields): their
# enums are named once in settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (GradeEnum, HandlingEnum).
class GradeField(serializers.ChoiceField):
    """A, B, C, D or null; read-only (its own workflow sets it)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Tier.choices, read_only=True, allow_null=True, **kwargs)


class HandlingField(serializers.ChoiceField):
    """self: handled by itself; agent: entrusted to an agent; blank: unknown."""

    def __init__(self, **kwargs):
        super().__init__(choices=Handling.choices, allow_blank=True, required=False, **kwargs)


SERVICE_TYPE_PATTERN = "^(" + "|".join(ServiceType.values) + r")(\.[a-z_]+)?$"


@extend_schema_field({
    "anyOf": [{"$ref": "#/components/schemas/ServiceTypeEnum"}, {"type": "string", "pattern": SERVICE_TYPE_PATTERN}],
    "description": "transport, warehousing, distribution, customs, other, or a finer code starting with one of "
                   "these and a dot, such as transport.sea",
})
class ServiceTypeField(serializers.CharField):
    """A service type: one of ServiceType, or a finer code such as transport.sea (checked by the service)."""


class ServiceCategoryField(serializers.ChoiceField):
    """The ServiceType a (possibly finer) service type belongs to: transport for transport.sea."""

    def __init__(self, **kwargs):
        super().__init__(choices=ServiceType.choices, read_only=True, source="service_type", **kwargs)

    def to_representation(self, value):
        return str(value).split(".", 1)[0]


class CustomerIdentitySerializer(serializers.ModelSerializer):
    """The narrow door of integration users (SPEC §8): identity fields only."""

    region = serializers.SlugRelatedField(slug_field="name", read_only=True)
    industry = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = Customer
        fields = IDENTITY_FIELDS
        read_only_fields = IDENTITY_FIELDS


class CustomerSerializer(serializers.ModelSerializer):
    """The archive. `owner` is given on creation only (default: the creator); `tier`,
    `annual_revenue_target` and `credit_grade` are read-only (their own workflows set them) and a
    different value sent for one answers 400. Financial fields appear only to those who may see
    them (SPEC §8) and are refused from anyone else. Integration users read the identity fields only
    (`id`, `code`, `name`, `short_name`, `credit_code`, `address`, `phone`, `stage`, `region`, `industry`,
    `is_active`): those are always present, every other field may be absent."""

    # The schema marks only these as always present (crm.api.schema.AutoSchema).
    schema_always_present = IDENTITY_FIELDS

    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False,
        help_text=_("User id. Given on creation only, defaulting to the creator; changed through handover/."))
    team = serializers.PrimaryKeyRelatedField(read_only=True)
    region = serializers.SlugRelatedField(
        slug_field="name", queryset=Region.objects.all(), required=False, allow_null=True,
        help_text=_("Sales territory, by name (华东, 华南, ...)."))
    industry = serializers.SlugRelatedField(slug_field="name", queryset=Industry.objects.all(), required=False,
                                            allow_null=True, help_text=_("Industry, by name."))
    nature = serializers.SlugRelatedField(slug_field="name", queryset=CustomerNature.objects.all(), required=False,
                                          allow_null=True, help_text=_("Customer nature, by name."))
    route = serializers.PrimaryKeyRelatedField(queryset=Route.objects.select_related("region"), required=False,
                                               allow_null=True)
    service_needs = serializers.ListField(child=serializers.ChoiceField(choices=ServiceNeed.choices), required=False)
    source = serializers.ChoiceField(choices=DataSource.choices, required=False)
    tier = GradeField(help_text=_("Key-account tier, set by key-account approval."))
    credit_grade = GradeField(help_text=_("Credit grade, set by the credit officer."))
    customs_domestic = HandlingField()
    clearance_foreign = HandlingField()
    transport_domestic = HandlingField()
    transport_foreign = HandlingField()
    loading_unloading = HandlingField()
    completeness = serializers.IntegerField(read_only=True, help_text=_("Share of the key fields filled, in %."))
    next_verification_due = serializers.DateField(read_only=True)

    class Meta:
        model = Customer
        fields = (
            "id", "code", "name", "short_name", "stage", "tier", "annual_revenue_target", "credit_grade",
            "owner", "team", "region", "industry", "nature", "route", "ownership", "location_type",
            "credit_code", "legal_representative", "address", "postcode", "phone", "fax", "email", "website",
            # Business profile
            "founded_on", "first_trade_on", "organisation_form", "business_scope", "employees", "service_area",
            "sales_capability", "development_potential", "business_philosophy", "management_characteristics",
            # The customer's own terms
            "purchasing_policy", "typical_usage", "technical_requirements",
            # Logistics profile
            "main_goods", "goods_specification", "packaging", "typical_volume", "origin_place",
            "destination_place", "has_trade_rights", "customs_domestic", "clearance_foreign",
            "transport_domestic", "transport_foreign", "loading_unloading", "service_needs",
            # Financial (sensitive)
            *FINANCIAL_FIELDS,
            # Lifecycle, provenance, health
            "lost_reason", "is_checked", "source", "last_verified_on", "completeness", "next_verification_due",
            "is_active", "created_at", "updated_at",
        )
        read_only_fields = ("code", "tier", "annual_revenue_target", "credit_grade", "is_checked",
                            "last_verified_on", "is_active", "created_at", "updated_at")
        # Duplicates are the service's business: it answers 409 naming the existing archive.
        validators: list = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = _current_user(self)
        if user is None or not can_see_financials(user, instance):
            for name in FINANCIAL_FIELDS:
                data.pop(name, None)
        return data

    def validate_service_needs(self, value):
        return list(dict.fromkeys(value))

    def validate(self, attrs):
        initial = self.initial_data if isinstance(self.initial_data, dict) else {}
        errors: dict[str, list] = {}
        for name, message in GUARDED_MESSAGES.items():
            if name not in initial:
                continue
            if self.instance is None:
                if name in SET_ON_CREATE or _same_value(initial[name], Customer._meta.get_field(name).get_default()):
                    continue
            elif _same_value(initial[name], getattr(self.instance, name)):
                continue
            errors[name] = [message]
            attrs.pop(name, None)
        # Who may file, who may own the archive, who may write financials and whether the route is of the
        # territory are the service's rules (customers.services.customer_create / customer_update).
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class DeactivateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text=_("Why the archive is retired."))


class HandoverSerializer(serializers.Serializer):
    to = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(),
                                            help_text=_("User id of the new owner."))
    reason = serializers.CharField(max_length=300)
    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text=_("Handover note: open matters, files handed over."))


class ContactSerializer(serializers.ModelSerializer):
    """A contact. Personal fields (Contact.SENSITIVE_FIELDS) exist in the representation only for
    those who may see them; anyone else can neither read nor write them."""

    schema_always_present = ("id", "customer", "name", "title", "department", "phone", "email", "gender",
                             "is_primary", "is_decision_maker", "is_legal_representative", "is_owner", "is_manager",
                             "relation_to_decision_makers", "is_active", "created_at", "updated_at")

    class Meta:
        model = Contact
        fields = ("id", "customer", "name", "title", "department", "phone", "email", "gender", "is_primary",
                  "is_decision_maker", "is_legal_representative", "is_owner", "is_manager",
                  "relation_to_decision_makers", *Contact.SENSITIVE_FIELDS, "is_active", "created_at",
                  "updated_at")
        read_only_fields = ("customer", "is_active", "created_at", "updated_at")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.context.get("sensitive", True):
            for name in Contact.SENSITIVE_FIELDS:
                self.fields.pop(name, None)


class BusinessRecordSerializer(serializers.ModelSerializer):
    """A business record as read. Writes are validated by customers.business_records, the same
    rules as bulk/ and the upload page."""

    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    service_type = ServiceTypeField(read_only=True)
    service_category = ServiceCategoryField(help_text=_("The service type without its finer part."))
    open_amount = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    price_deviation = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, allow_null=True,
        help_text=_("Deviation of the unit price from the contract rate, in %."))

    class Meta:
        model = BusinessRecord
        fields = ("id", "customer", "customer_code", "customer_name", "external_id", "date", "contract_no",
                  "service_type", "service_category", "goods", "volume", "unit_price", "contract_unit_price",
                  "amount", "cost", "due_date", "paid_amount", "paid_date", "open_amount", "price_deviation",
                  "created_at", "updated_at")
        read_only_fields = fields


class BusinessRecordInputSerializer(serializers.Serializer):
    """One record as the freight system sends it (documentation of the request body)."""

    customer = serializers.IntegerField(required=False, help_text=_("Customer id; or give customer_code or "
                                                                    "customer_name instead."))
    customer_code = serializers.CharField(required=False)
    customer_name = serializers.CharField(
        required=False, help_text=_("Full name; an unknown name files a new transacting customer, unchecked, "
                                    "in the integration team."))
    external_id = serializers.CharField(max_length=64, help_text=_("The freight system's id: records are "
                                                                   "upserted by it (required in bulk/)."))
    date = serializers.DateField()
    service_type = ServiceTypeField(help_text=_("transport, warehousing, distribution, customs, other, or a "
                                                "finer code such as transport.sea"))
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0"))
    due_date = serializers.DateField()
    paid_amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, min_value=Decimal("0"),
                                           help_text=_("At most the amount; 0 when left out."))
    paid_date = serializers.DateField(required=False, allow_null=True,
                                      help_text=_("Not before date."))
    contract_no = serializers.CharField(required=False, allow_blank=True)
    goods = serializers.CharField(required=False, allow_blank=True)
    volume = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, allow_null=True)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True)
    contract_unit_price = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True)
    cost = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)


class NewCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    new_customers = NewCustomerSerializer(many=True, help_text=_("Customers filed for unknown customer_name."))
