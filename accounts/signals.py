from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    audit.record(user, audit.Action.LOGIN)


@receiver(user_logged_out)
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(user, audit.Action.LOGOUT)


@receiver(user_login_failed)
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    # The typed username is kept (it may not exist); the password never is.
    audit.record(None, audit.Action.LOGIN_FAILED, actor_label=str(credentials.get("username", ""))[:150])
