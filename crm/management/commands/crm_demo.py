"""Demo data for `make run`: teams, one user per role, then each app's demo data through the loaders it
registers with crm.demo (archives, credit, key accounts, complaints...).

Idempotent: users and teams are created only when missing, and each loader adds nothing a second time.
"""

import random

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from crm.api.tokens import token_issue
from crm.demo import demo_loaders
from crm.models import Team, User
from crm.services import user_create_or_update

# One password for every demo login, easy to type, and passing Django's validators for each user.
DEMO_PASSWORD = "Wuliu-Demo-2026"

EAST, SOUTH, SERVICE = "华东分公司", "华南分公司", "客服部"
TEAMS = [(EAST, Team.Kind.BRANCH), (SOUTH, Team.Kind.BRANCH), (SERVICE, Team.Kind.DEPARTMENT)]

# username, roles, name, teams, teams headed
USERS = [
    ("admin", ["admin"], "系统管理员", [], []),
    ("clerk", ["clerk"], "王芳", [EAST, SERVICE], []),
    ("manager1", ["account_manager"], "李强", [EAST], []),
    ("manager2", ["account_manager"], "陈静", [SOUTH], []),
    ("head", ["dept_head"], "刘洋", [EAST, SOUTH, SERVICE], [EAST, SOUTH, SERVICE]),
    ("gm", ["gm"], "赵建国", [], []),
    ("credit", ["credit_officer"], "孙丽", [SERVICE], []),
    ("club", ["club_office"], "周敏", [SERVICE], []),
    ("freight", ["integration"], "货运系统接口", [], []),
]

# city, sales territory, telephone area code, administrative division code (for the credit code), postcode


class Command(BaseCommand):
    help = "Load demo users (one per role) and customer archives. Safe to run again: it adds nothing twice."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300, help="How many archives to create (default 300).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--force", action="store_true", help="Run even with the production settings.")

    def handle(self, *args, customers: int, seed: int, force: bool, **options):
        if str(settings.SETTINGS_MODULE or "").endswith("production") and not force:
            raise CommandError("crm_demo loads demo logins with a known password: not with production settings "
                               "(use --force if you really mean it).")
        if customers < 0:
            raise CommandError("--customers must not be negative")
        with transaction.atomic():
            teams = self.ensure_teams()
            users = self.ensure_users(teams)
        # Tokens are stored hashed: a new one each run (earlier ones keep working until they expire).
        _, token = token_issue(user=users["freight"])
        rng = random.Random(seed)
        for loader in demo_loaders():
            with transaction.atomic():  # one app's demo data whole, or none of it
                line = loader.load(users=users, teams=teams, rng=rng, customers=customers)
            if line:
                self.stdout.write(self.style.SUCCESS(line) if line.startswith("Created") else line)
        self.print_logins(users, token)

    def ensure_teams(self) -> dict[str, Team]:
        return {name: Team.objects.get_or_create(name=name, defaults={"kind": kind})[0] for name, kind in TEAMS}

    def ensure_users(self, teams: dict[str, Team]) -> dict[str, User]:
        users = {}
        password_hash = None  # hashing is slow on purpose: hash the shared password once
        for username, roles, name, team_names, headed in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                # Through the service: roles become groups; the password must pass the validators.
                user, _ = user_create_or_update(username=username, roles=roles, email=f"{username}@example.com",
                                                first_name=name, last_name="")
                validate_password(DEMO_PASSWORD, user)
                password_hash = password_hash or make_password(DEMO_PASSWORD)
                user.password = password_hash
                user.save(update_fields=["password"])
                for team_name in team_names:
                    teams[team_name].members.add(user)
            users[username] = user
            for team_name in headed:
                team = teams[team_name]
                if team.head_id is None:
                    team.head = user
                    team.save(update_fields=["head", "updated_at"])
        return users

    def print_logins(self, users: dict[str, User], token: str) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        self.stdout.write(f"  {'username':<10} {'role':<16} {'name':<8} teams")
        for username, roles, _name, team_names, _headed in USERS:
            user = users[username]
            self.stdout.write(f"  {username:<10} {','.join(roles):<16} {user.get_full_name():<8} "
                              f"{', '.join(team_names) or '-'}")
        self.stdout.write(f"  API token of 'freight' (integration): {token}")
        self.stdout.write("  Open http://127.0.0.1:8000/ (admin: /admin/, API docs: /api/docs/)")
