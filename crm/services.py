"""Writes of the CRM core: users, roles and teams."""

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from crm.exceptions import ApplicationError
from crm.models import Team, User
from crm.roles import ADMIN_ROLE, ALL_ROLE_NAMES


@transaction.atomic
def user_create_or_update(
    *, username: str, password: str | None = None, roles: list[str] | None = None,
    team_name: str | None = None, email: str | None = None, first_name: str | None = None,
    last_name: str | None = None, team_head: bool = False,
) -> tuple[User, bool]:
    """Create the user or update it: its password, its roles (replacing the old ones) and a team
    (created when missing). Returns (user, created)."""
    roles = [r.strip() for r in (roles or []) if r.strip()]
    unknown = sorted(set(roles) - set(ALL_ROLE_NAMES))
    if unknown:
        raise ApplicationError(
            f"Unknown role(s): {', '.join(unknown)}. Known roles: {', '.join(ALL_ROLE_NAMES)}", field="roles"
        )
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
    for attr, value in (("email", email), ("first_name", first_name), ("last_name", last_name)):
        if value is not None:
            setattr(user, attr, value)
    if password is not None:
        try:
            validate_password(password, user)
        except Exception as error:
            raise ApplicationError("; ".join(getattr(error, "messages", [str(error)])), field="password")
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    if roles or created:
        user.is_superuser = user.is_staff = ADMIN_ROLE in roles
    user.save()
    if roles or created:
        groups = [Group.objects.get_or_create(name=name)[0] for name in roles if name != ADMIN_ROLE]
        user.groups.set(groups)
    if team_name:
        team, _ = Team.objects.get_or_create(name=team_name)
        team.members.add(user)
        if team_head and team.head_id is None:
            team.head = user
            team.save(update_fields=["head", "updated_at"])
    return user, created
