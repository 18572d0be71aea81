import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from crm.models import Team, User
from customers.models import BusinessRecord, Competitor, Contact, Customer, Region
from customers.normalize import normalize_name, normalize_phone
from customers.validators import credit_code_check_char


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "Secret-pass-1")
    language = "en"

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        for team in extracted or []:
            team.members.add(self)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


def make_credit_code(n: int) -> str:
    first17 = f"91310000{n:09d}"
    return first17 + credit_code_check_char(first17)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"上海测试物流客户{n}有限公司")
    name_normalized = factory.LazyAttribute(lambda c: normalize_name(c.name))
    phone_normalized = factory.LazyAttribute(lambda c: normalize_phone(c.phone))
    code = factory.Sequence(lambda n: f"F{n:07d}")
    short_name = factory.Sequence(lambda n: f"测试{n}")
    phone = ""
    owner = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda c: c.owner.teams.first())
    region = factory.LazyFunction(lambda: Region.objects.order_by("sort_order").first())
    stage = "customer"
    last_verified_on = factory.LazyFunction(timezone.localdate)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    phone = "021-12345678"
    birth_date = dt.date(1980, 5, 1)
    home_address = "上海市徐汇区某路1号"
    hobbies = "钓鱼"


class CompetitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competitor

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"竞争对手{n}")
    share = Decimal("30")


class BusinessRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessRecord

    customer = factory.SubFactory(CustomerFactory)
    external_id = factory.Sequence(lambda n: f"FR-{n:06d}")
    date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    service_type = "transport.sea"
    amount = Decimal("10000.00")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=20))
    paid_amount = Decimal("0")
