"""Shared fixtures. Every door is tried as three people, after healthchecks' alice/bob/charlie:
alice owns the customer, bob is a clerk of her team (a colleague), charlie is an account manager of
another team (an outsider)."""

import os

import pytest
from rest_framework.test import APIClient

from tests.factories import CustomerFactory, TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def east_team(db):
    return TeamFactory(name="East branch")


@pytest.fixture
def west_team(db):
    return TeamFactory(name="West branch")


@pytest.fixture
def alice(east_team):
    """Account manager, owner of `customer`."""
    return UserFactory(username="alice", roles=["account_manager"], teams=[east_team])


@pytest.fixture
def bob(east_team):
    """Clerk of alice's team: a colleague who keeps the team's archives."""
    return UserFactory(username="bob", roles=["clerk"], teams=[east_team])


@pytest.fixture
def charlie(west_team):
    """Account manager of another team: an outsider."""
    return UserFactory(username="charlie", roles=["account_manager"], teams=[west_team])


@pytest.fixture
def dora(east_team):
    """Head of alice's team."""
    user = UserFactory(username="dora", roles=["dept_head"], teams=[east_team])
    east_team.head = user
    east_team.save()
    return user


@pytest.fixture
def gm(db):
    return UserFactory(username="gm", roles=["gm"])


@pytest.fixture
def credit_officer(db):
    return UserFactory(username="credo", roles=["credit_officer"])


@pytest.fixture
def integration_user(db):
    return UserFactory(username="freight", roles=["integration"])


@pytest.fixture
def admin_user(db):
    user = UserFactory(username="root")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def customer(alice, east_team):
    return CustomerFactory(owner=alice, team=east_team, name="上海东方远洋贸易有限公司", phone="021-55550001")


@pytest.fixture
def api():
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api_for():
    return api_as


def needs_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def needs_redis() -> bool:
    return os.environ.get("CELERY_BROKER_URL", "").startswith("redis")


# --- Data the migrations seed, put back after a transactional test's flush ---------------------------------
# A test in its own transaction (threads, live server) ends with a flush that empties every table, including
# what data migrations wrote: role groups, admin-editable lists, routing rules, scoring indicators, tier
# strategies. pytest-django runs such tests last; this puts the data back for each of them.

SEEDS = [
    ("customers.migrations.0002_default_lists", "create"),
    ("credit.migrations.0002_default_indicators", "create"),
    ("customers.migrations.0009_key_account_care", "seed_strategies"),
    ("complaints.migrations.0002_default_routing", "seed"),
]


def _seed_migration_data() -> None:
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    roles = importlib.import_module("crm.migrations.0002_role_groups")
    for role, app_models in roles.ROLE_PERMISSIONS.items():
        group, created = Group.objects.get_or_create(name=role)
        if created:
            codenames = [f"{action}_{model}" for models in app_models.values() for model in models
                         for action in (["view"] if (role, model) in roles.READ_ONLY else ["view", "add", "change"])]
            group.permissions.set(Permission.objects.filter(codename__in=codenames))
    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _migration_data_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if transactional or "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        _seed_migration_data()


@pytest.fixture(autouse=True)
def _language_reset():
    """A test that activates a language (a page in Chinese, a notice rendered for a recipient) does not leave
    it active for the next test in the same process."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _rule_cache_reset():
    """Rule values cached by one test belong to its (rolled-back) database."""
    from crm.rules import clear_rule_cache

    clear_rule_cache()
    yield
    clear_rule_cache()


@pytest.fixture(autouse=True)
def _celery_outside_a_worker():
    """An in-process Celery worker (the real-Redis test) sets Celery's process-wide "inside a worker" flag and a
    pool it leaves behind may set it again; a later test in that process calling `.get()` on an eager result
    would then be refused. Every test starts outside a worker."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield
    _set_task_join_will_block(False)
