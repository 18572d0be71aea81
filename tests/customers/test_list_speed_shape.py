"""The archive list at 100,000 customers (issue 9): sorted by a list's name (territory, industry, nature) it is
read list entry by list entry, in exactly the order `ORDER BY <list>.name, id` gives, page after page, with
a flat number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.paginator import CappedPaginator
from customers.filters import search_matches
from customers.models import Customer, CustomerNature, Industry, Region
from customers.querysets import OrderedByListName
from customers.selectors import customer_list
from tests.conftest import needs_postgres
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(alice, east_team):
    """Archives over three territories of unequal size (and some without one), given out of name order."""
    regions = [Region.objects.get_or_create(name=name)[0] for name in ("西北测试", "东北测试", "华南测试")]
    industries = [Industry.objects.get_or_create(name=name)[0] for name in ("乙行业", "甲行业")]
    sizes = [7, 1, 4]
    i = 0
    for region, size in zip(regions, sizes, strict=True):
        for _ in range(size):
            CustomerFactory(owner=alice, team=east_team, region=region, industry=industries[i % 2],
                            name=f"排序测试{i:03d}号物流有限公司")
            i += 1
    for _ in range(3):
        CustomerFactory(owner=alice, team=east_team, region=None, industry=None, name=f"排序测试{i:03d}号物流有限公司")
        i += 1
    return regions


@pytest.mark.parametrize("sort, field", [("region", "region"), ("-region", "region"), ("industry", "industry"),
                                         ("-industry", "industry"), ("nature", "nature"), ("-nature", "nature")])
@pytest.mark.parametrize("per_page", [1, 2, 4, 5, 50])
def test_pages_are_those_of_the_plain_ordering(spread, alice, sort, field, per_page):
    qs = customer_list(user=alice)
    descending = sort.startswith("-")
    prefix = "-" if descending else ""
    expected = list(qs.order_by(f"{prefix}{field}__name", f"{prefix}pk").values_list("pk", flat=True))
    assert len(expected) == 15
    walked = OrderedByListName(qs, field, descending=descending)
    paginator = CappedPaginator(walked, per_page)
    pages = [[c.pk for c in paginator.page(n).object_list] for n in paginator.page_range]
    assert [pk for page in pages for pk in page] == expected
    assert all(len(page) == per_page for page in pages[:-1])
    assert [c.pk for c in walked[3:9]] == expected[3:9]
    assert walked[4].pk == expected[4]


def test_the_list_page_sorted_by_territory(client, spread, alice):
    client.force_login(alice)
    url = reverse("customers:list")
    plain = list(Customer.objects.filter(is_active=True).order_by("-region__name", "-pk").values_list("pk", flat=True))
    response = client.get(url, {"sort": "-region"})
    assert [c.pk for c in response.context["customers"]] == plain
    assert response.context["total"] == 15
    response = client.get(url, {"sort": "region"})
    assert [c.pk for c in response.context["customers"]] == plain[::-1]


def test_sorted_by_territory_the_queries_do_not_grow_with_the_data(client, spread, alice, east_team):
    """A query per territory the page reaches (a handful), never one per archive."""
    client.force_login(alice)
    url = reverse("customers:list")

    def queries(params):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured)

    client.get(url)  # the session and the user's caches
    small = queries({"sort": "-region"})  # every territory read: the page is not full
    for i in range(120):
        CustomerFactory(owner=alice, team=east_team, region=spread[i % 3], name=f"排序补充{i:03d}号物流有限公司")
    assert queries({"sort": "-region"}) <= small
    assert queries({"sort": "region", "page": 2}) <= small + 1  # the count per territory
    # The list page's own (as unsorted), the territories' names, one per territory and the one without.
    assert small <= 17 + Region.objects.count() + 1


def test_the_classification_summary_sorted_by_territory(client, spread, alice):
    client.force_login(alice)
    plain = list(Customer.objects.filter(is_active=True).order_by("region__name", "pk").values_list("pk", flat=True))
    response = client.get(reverse("customers:classification"), {"sort": "region"})
    assert [row["customer"].pk for row in response.context["rows"]] == plain
    assert [row["index"] for row in response.context["rows"]] == list(range(1, 16))


def test_an_unused_list_entry_and_a_nature_nobody_has(spread, alice):
    CustomerNature.objects.get_or_create(name="无人使用")
    qs = customer_list(user=alice)
    walked = OrderedByListName(qs, "nature", descending=False)
    assert [c.pk for c in walked[0:50]] == list(qs.order_by("nature__name", "pk").values_list("pk", flat=True))
    assert len(walked) == 15


# --- The indexes (PostgreSQL) -------------------------------------------------------------------------------

def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.skipif(not needs_postgres(), reason="needs DATABASE_URL pointing at PostgreSQL")
def test_list_and_search_indexes_exist_and_serve_their_queries(spread, alice, gm):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'customers_customer'")
        indexes = dict(cursor.fetchall())
    assert "INCLUDE (owner_id, team_id, is_active)" in indexes["customer_name_id_cover"]
    for name in ("customer_name_norm_bigrams", "customer_short_name_bigrams"):
        assert "USING gin (crm_bigrams(" in indexes[name], name
    # Which index serves a clerk's page of ids is the planner's choice on a table this small (another partial
    # index may win); the benchmark shows the covering index at 100,000 archives. Here: the ids are right.
    page_ids = customer_list(user=alice).order_by("name", "pk").values_list("pk", flat=True)[:10]
    assert list(page_ids) == list(customer_list(user=alice).order_by("name", "pk").values_list("pk", flat=True))[:10]
    # Two characters of a name through the bigram indexes, the same archives as LIKE finds.
    plan = _plan(Customer.objects.filter(pk__in=search_matches("测试")))
    assert "customer_name_norm_bigrams" in plan and "customer_short_name_bigrams" in plan, plan
    CustomerFactory(owner=alice, name="杭州鸿祥国际物流有限公司", short_name="鸿祥国际")
    CustomerFactory(owner=alice, name="杭州鸿运物流有限公司", short_name="祥鸿")
    assert {c.name for c in customer_list(user=gm, filters={"q": "鸿祥"})} == {"杭州鸿祥国际物流有限公司"}
    assert {c.name for c in customer_list(user=gm, filters={"q": "祥鸿"})} == {"杭州鸿运物流有限公司"}


def test_crm_bigrams_pieces_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("crm_bigrams() is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT crm_bigrams('鸿祥鸿祥'), crm_bigrams('鸿'), crm_bigrams(''), crm_bigrams(NULL)")
        pieces, single, empty, null = cursor.fetchone()
    assert sorted(pieces) == ["祥鸿", "鸿祥"] and single == [] and empty == [] and null is None
