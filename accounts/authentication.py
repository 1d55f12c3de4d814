"""`Authorization: Token <key>` for API clients, with tokens that expire and can be revoked."""
from __future__ import annotations

from rest_framework import status
from rest_framework.authentication import TokenAuthentication

from accounts import services


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        try:
            token = services.api_token_authenticate(key=key)
        except services.TokenInvalidError as exc:
            # Imported here: DRF loads this class while rest_framework.views (which the project's
            # error module imports) is still being imported.
            from accounts.api.errors import TokenRejected

            raise TokenRejected(code=exc.code, detail=exc.user_message, http_status=status.HTTP_401_UNAUTHORIZED) from exc
        return token.user, token
