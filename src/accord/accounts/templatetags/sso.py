"""`{% sso_enabled as sso %}`: whether the login page offers single sign-on."""

from __future__ import annotations

from django import template

from accord.accounts.oidc import enabled

register = template.Library()


@register.simple_tag
def sso_enabled() -> bool:
    return enabled()
