"""WebSocket authentication: the browser's session cookie, or `Authorization: Token <key>` for API clients."""
from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware


@database_sync_to_async
def _user_for_token(key: str):
    from accounts.services import TokenInvalidError, api_token_authenticate

    try:
        return api_token_authenticate(key=key).user
    except TokenInvalidError:  # expired or revoked: the handshake goes on as anonymous and is refused
        return None


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
            scheme, _, key = header.partition(" ")
            if scheme.lower() == "token" and key.strip():
                token_user = await _user_for_token(key.strip())
                if token_user is not None:
                    scope = {**scope, "user": token_user}
        return await super().__call__(scope, receive, send)


def MoodifyAuthMiddlewareStack(inner):  # noqa: N802 -- named like channels' AuthMiddlewareStack
    return AuthMiddlewareStack(TokenAuthMiddleware(inner))
