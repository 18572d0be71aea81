"""Users from the command line (SPEC §9) and the role groups of SPEC §1."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from crm.models import Team, User
from crm.roles import Role

pytestmark = pytest.mark.django_db


def test_crm_adduser_creates_user_with_roles_and_team():
    call_command("crm_adduser", "erin", "--password", "Harbour-crane-77", "--roles", "clerk,account_manager",
                 "--team", "East branch", "--email", "erin@example.com", "--head")
    user = User.objects.get(username="erin")
    assert user.check_password("Harbour-crane-77")
    assert set(user.groups.values_list("name", flat=True)) == {"clerk", "account_manager"}
    assert user.email == "erin@example.com"
    team = Team.objects.get(name="East branch")
    assert list(team.members.all()) == [user]
    assert team.head == user
    assert not user.is_superuser


def test_crm_adduser_update_replaces_roles_and_password():
    call_command("crm_adduser", "erin", "--password", "Harbour-crane-77", "--roles", "clerk,account_manager")
    call_command("crm_adduser", "erin", "--password", "Container-yard-42", "--roles", "gm")
    user = User.objects.get(username="erin")
    assert list(user.groups.values_list("name", flat=True)) == ["gm"]
    assert user.check_password("Container-yard-42")
    assert not user.check_password("Harbour-crane-77")
    assert User.objects.filter(username="erin").count() == 1


def test_crm_adduser_admin_role_makes_a_superuser():
    call_command("crm_adduser", "it", "--password", "Harbour-crane-77", "--roles", "admin")
    user = User.objects.get(username="it")
    assert user.is_superuser and user.is_staff
    assert user.groups.count() == 0


def test_crm_adduser_unknown_role_is_refused():
    with pytest.raises(CommandError, match="Unknown role"):
        call_command("crm_adduser", "erin", "--password", "Harbour-crane-77", "--roles", "clerk,pirate")
    assert not User.objects.filter(username="erin").exists()


def test_crm_adduser_weak_password_is_refused_and_nothing_saved():
    with pytest.raises(CommandError, match="too common|too short|entirely numeric"):
        call_command("crm_adduser", "erin", "--password", "12345678", "--roles", "clerk", "--team", "North")
    assert not User.objects.filter(username="erin").exists()
    assert not Team.objects.filter(name="North").exists()


def test_role_groups_exist_with_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)

    def perms(role):
        return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))

    assert {"view_customer", "add_customer", "change_customer", "add_businessrecord", "add_importjob"} <= perms("clerk")
    assert "delete_customer" not in perms("clerk")
    assert {"view_customer", "change_customer", "add_interaction"} <= perms("account_manager")
    assert "add_businessrecord" not in perms("account_manager")
    assert {"view_accesslog"} <= perms("gm") and "change_accesslog" not in perms("gm")
    assert perms("credit_officer") == {"view_businessrecord"}
    assert {"add_businessrecord", "change_businessrecord"} <= perms("integration")
    assert {"change_accessrequest", "add_accessgrant"} <= perms("dept_head")
