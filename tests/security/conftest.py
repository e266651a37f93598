"""Fixtures of the security tests: the OpenID Connect provider on loopback for single sign-on (tests/sso.py)."""

from tests.sso import oidc_provider, sso  # noqa: F401 -- fixtures
