"""customers.policies, rule by rule, as a table of people (SPEC §1, §8). The IT admin (a superuser without
CRM roles) holds no archive rule; the emergency read is its only way to an archive."""

import pytest
from django.conf import settings

from crm.models import Team
from customers import policies
from customers.models import Region, Route
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(alice, bob, charlie, dora, gm, credit_officer, integration_user, admin_user):
    return {"alice": alice, "bob": bob, "charlie": charlie, "dora": dora, "gm": gm, "credo": credit_officer,
            "freight": integration_user, "root": admin_user}


# person: (sees every archive, files, edits alice's, hands it over, personal data, financials, checks data)
TABLE = {
    "alice": (False, True, True, False, True, True, False),
    "bob": (False, True, True, True, True, True, True),
    "charlie": (False, True, False, False, False, False, False),
    "dora": (False, True, True, True, True, True, True),
    "gm": (True, True, True, True, True, True, True),
    "credo": (True, False, False, False, False, True, False),
    "freight": (False, False, False, False, False, False, False),
    "root": (False, False, False, False, False, False, False),
}


@pytest.mark.parametrize("who", list(TABLE))
def test_the_rules_of_an_archive_by_person(people, customer, who):
    user = people[who]
    got = (policies.sees_everything(user), policies.can_file_archive(user), policies.can_edit_customer(user, customer),
           policies.can_handover_customer(user, customer), policies.can_see_sensitive_personal(user, customer),
           policies.can_see_financials(user, customer), policies.can_check_sections(user, customer))
    assert got == TABLE[who]


def test_the_it_admin_holds_no_archive_role_but_the_emergency_read(people, customer):
    root = people["root"]
    assert not policies.can_read_customer(root, customer)
    assert not policies.decides_access(root) and not policies.can_grant_access(root, customer)
    assert not policies.can_import(root) and not policies.can_export(root)
    assert not policies.can_write_business_records(root) and not policies.is_archive_keeper(root)
    assert policies.can_review_logs(root) and policies.can_use_library(root)
    assert policies.can_emergency_read(root)
    assert not any(policies.can_emergency_read(user) for name, user in people.items() if name != "root")


def test_who_may_be_chosen_as_owner(people, east_team, west_team):
    alice, bob, charlie, dora, gm = (people[n] for n in ("alice", "bob", "charlie", "dora", "gm"))
    # Oneself always; a clerk or head the owners of their teams; the GM anyone who may own archives.
    assert policies.can_assign_owner(alice, alice) and not policies.can_assign_owner(alice, bob)
    assert policies.can_assign_owner(bob, alice) and not policies.can_assign_owner(bob, charlie)
    assert policies.can_assign_owner(dora, alice) and not policies.can_assign_owner(dora, charlie)
    assert policies.can_assign_owner(gm, charlie) and not policies.can_assign_owner(gm, people["credo"])
    assert set(policies.owner_candidates(bob)) == {alice, bob, dora}
    assert {alice, bob, charlie, dora, gm} <= set(policies.owner_candidates(gm))
    charlie.is_active = False
    charlie.save()
    assert not policies.can_assign_owner(gm, charlie) and charlie not in set(policies.owner_candidates(gm))
    assert not policies.can_be_owner(people["credo"]) and not policies.can_be_owner(people["root"])


def test_the_freight_system_files_into_the_integration_team_only(people):
    freight = people["freight"]
    team = Team.objects.create(name=settings.CRM["INTEGRATION_TEAM"])
    clerk = UserFactory(username="xiao", roles=["clerk"], teams=[team])
    other = Team.objects.create(name="别的部门")
    assert policies.can_file_archive(freight, team=team) and not policies.can_file_archive(freight, team=other)
    assert not policies.can_file_archive(freight)
    assert policies.can_assign_owner(freight, clerk, team=team)
    assert not policies.can_assign_owner(freight, people["alice"], team=team)
    # A keeper uploading records of a customer new to the archive files it for the integration team too.
    assert policies.can_assign_owner(people["bob"], clerk, team=team)
    assert not policies.can_assign_owner(people["bob"], clerk, team=other)
    assert not policies.can_assign_owner(people["alice"], clerk, team=team)


def test_a_route_belongs_to_its_territory():
    east, south = Region.objects.get(name="华东"), Region.objects.get(name="华南")
    route = Route.objects.create(region=east, name="东一线", sequence=1)
    assert policies.route_fits_region(route, east) and not policies.route_fits_region(route, south)
    assert policies.route_fits_region(None, south) and policies.route_fits_region(route, None)


def test_an_owner_who_is_also_an_integration_account_sees_no_personal_data(east_team):
    both = UserFactory(username="both", roles=["account_manager", "integration"], teams=[east_team])
    customer = CustomerFactory(owner=both, team=east_team)
    assert policies.can_edit_customer(both, customer)
    assert not policies.can_see_sensitive_personal(both, customer)
