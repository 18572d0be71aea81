"""API tokens (SPEC §9): issued by POST /api/v1/auth/token/, sent as `Authorization: Token <token>`.

django-rest-knox stores them hashed, each with its own expiry (settings.API_TOKEN_TTL_HOURS). A user's
tokens end when the password changes or the account is deactivated, through whatever door that
happens (password page, admin, `crm_adduser`): the receivers below watch the user row, as Django's
own sessions end on a password change. An admin revokes an integration's tokens with the user
admin's action or by deleting them under "Auth tokens".
"""

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from knox.models import AuthToken

_CREDENTIAL_FIELDS = {"password", "is_active"}


def token_issue(*, user) -> tuple[AuthToken, str]:
    """A new token for `user`, expiring after settings.API_TOKEN_TTL_HOURS; the clear text is
    returned once and never stored. A user keeps at most settings.API_TOKENS_PER_USER tokens: the
    oldest end first (knox reads all of a user's tokens on every request, so they must not pile up
    when an integration asks for a token per batch)."""
    token, key = AuthToken.objects.create(user=user)
    keep = AuthToken.objects.filter(user=user).order_by("-created", "-pk").values_list("pk", flat=True)[
        :settings.API_TOKENS_PER_USER]
    AuthToken.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
    return token, key


def tokens_revoke(*, user) -> int:
    """End every API token of `user`; returns how many ended."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def tokens_revoke_for(users) -> int:
    """End every API token of the given users (a queryset), e.g. from the admin."""
    deleted, _ = AuthToken.objects.filter(user__in=users).delete()
    return deleted


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="crm.api.tokens.note_credentials_change")
def _note_credentials_change(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._api_tokens_end = False
    if raw or instance.pk is None:
        return
    if update_fields is not None and not _CREDENTIAL_FIELDS & set(update_fields):
        return  # e.g. last_login on every sign-in: no query
    stored = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    instance._api_tokens_end = stored["password"] != instance.password or (
        stored["is_active"] and not instance.is_active)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="crm.api.tokens.end_tokens")
def _end_tokens_on_credentials_change(sender, instance, created=False, raw=False, **kwargs):
    if getattr(instance, "_api_tokens_end", False):
        instance._api_tokens_end = False
        # In the same transaction as the change: rolled back with it.
        tokens_revoke(user=instance)
