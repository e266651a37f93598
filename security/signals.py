from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from audit import log as audit
from security import policy as security


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        security.start_session(request, user)
    # How: the password form, or single sign-on (security.sso_views sets it on the request), and whether the
    # provider's multi-factor login stood in for the portal's second factor (OIDC_TRUST_MFA).
    details = {"method": getattr(request, "opp_login_method", "password")}
    if getattr(request, "opp_login_provider_mfa", False):
        details["second_factor"] = "provider"
    audit.record(user, audit.Action.LOGIN, details=details)


@receiver(user_logged_out)
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(user, audit.Action.LOGOUT)


@receiver(user_login_failed)
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    if "nonce" in credentials:  # a refused single sign-on: audited with its reason by security.sso
        return
    # A staff username is kept as typed, anything else pseudonymised; the password never is.
    audit.record(None, audit.Action.LOGIN_FAILED,
                 actor_label=audit.typed_username_label(str(credentials.get("username", ""))))


@receiver(pre_save, sender=User)
def _end_sessions_on_deactivation_or_new_password(sender, instance, update_fields=None, **kwargs):
    """A deactivated account or a changed password ends every session of that user."""
    if instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    old = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return
    if old["password"] != instance.password:
        reason = "password_changed"
    elif old["is_active"] and not instance.is_active:
        reason = "deactivated"
    else:
        return
    # In the saving transaction: if the save rolls back, so does the deletion of the sessions.
    security.end_all_sessions(instance, reason=reason)


@receiver(post_delete, sender=TOTPDevice)
@receiver(post_delete, sender=StaticDevice)
def _unverify_sessions_of_a_removed_device(sender, instance, **kwargs):
    """Whatever deletes a device (a parent switching 2FA off, a new app replacing the old one, a reset): the sessions
    it verified are asked for the second factor again (security.policy.SessionDeviceMiddleware trusts the session)."""
    security.forget_device(instance)


@receiver(post_save, sender=TOTPDevice)
@receiver(post_save, sender=StaticDevice)
def _unverify_sessions_of_an_unconfirmed_device(sender, instance, created=False, **kwargs):
    if not created and not instance.confirmed:
        security.forget_device(instance)
