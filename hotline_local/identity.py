"""Staff identities in the emulator's user pool, and the token check API Gateway's Cognito authorizer does.

One user per center role and one per unit (group `unit`, `custom:unit_id`), with ID tokens
signed by the pool's own key. Locally they live 12 hours so that a day's session needs no
re-login; MFA is the deployed pool's business and is not emulated.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from hotline_local.emulator import ACCOUNT, REGION

CENTER_ROLES = ("dispatcher", "reviewer", "callback", "supervisor")
TOKEN_HOURS = 12


class InvalidToken(Exception):
    pass


class StaffDirectory:
    def __init__(self, endpoint: str, pool_id: str, client_id: str) -> None:
        import boto3

        self.pool_id, self.client_id = pool_id, client_id
        self.cognito = boto3.client("cognito-idp")
        self.issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
        with urllib.request.urlopen(f"{endpoint}/{pool_id}/.well-known/jwks.json", timeout=10) as r:  # noqa: S310
            self.keys = KeySet.import_key_set(json.load(r))

    def enrol(self, username: str, group: str, unit_id: str | None = None) -> str:
        """Create the user in its group and return a signed ID token for it."""
        attrs = [{"Name": "custom:unit_id", "Value": unit_id}] if unit_id else []
        self.cognito.admin_create_user(
            UserPoolId=self.pool_id, Username=username, UserAttributes=attrs, MessageAction="SUPPRESS"
        )
        self.cognito.admin_add_user_to_group(UserPoolId=self.pool_id, Username=username, GroupName=group)
        return self._id_token(username, group, unit_id)

    def _id_token(self, username: str, group: str, unit_id: str | None) -> str:
        from moto.cognitoidp.models import cognitoidp_backends

        pool = cognitoidp_backends[ACCOUNT][REGION].user_pools[self.pool_id]
        extra: dict[str, Any] = {"cognito:groups": [group]}
        if unit_id:
            extra["custom:unit_id"] = unit_id
        token, _ = pool.create_jwt(self.client_id, username, "id", expires_in=TOKEN_HOURS * 3600, extra_data=extra)
        return str(token)

    def verify(self, header: str | None) -> dict[str, Any]:
        """The claims of a valid ID token from this pool, as the authorizer passes them on."""
        if not header:
            raise InvalidToken("an Authorization header with a staff token is required")
        raw = header.split(" ", 1)[1] if header.lower().startswith("bearer ") else header
        try:
            token = jwt.decode(raw.strip(), self.keys, algorithms=["RS256"])
        except (JoseError, ValueError) as exc:
            raise InvalidToken(f"the token is not valid: {exc}") from None
        claims = dict(token.claims)
        if claims.get("iss") != self.issuer or claims.get("token_use") != "id" or claims.get("aud") != self.client_id:
            raise InvalidToken("the token was not issued for this API's user pool")
        if float(claims.get("exp", 0)) < time.time():
            raise InvalidToken("the token has expired")
        return claims
