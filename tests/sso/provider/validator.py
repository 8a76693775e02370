"""The provider's claims: each test user's from users.json (email, email_verified, names and
any extra claim such as `accord_org`), whatever the scopes."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


def users() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((settings.DIR / "users.json").read_text())
    return data


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below goes into the ID token and userinfo

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        claims = dict(users()[request.user.username]["claims"])
        return claims
