"""The service's optional bearer token: with ``AUTOML_API_TOKEN`` set in the service's
environment, every route but the health checks answers 401 unless the request carries
``Authorization: Bearer <token>``. Unset, the service is open (behind a gateway that guards it).

The token is compared by digest in constant time, so its length and content leak nothing
through timing; the 401 names what is missing in the service's JSON error form.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

__all__ = ["OPEN_PATHS", "TOKEN_VARIABLE", "BearerToken"]

TOKEN_VARIABLE = "AUTOML_API_TOKEN"
#: what an orchestrator probes without credentials
OPEN_PATHS = frozenset({"/healthz", "/livez", "/readyz"})


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class BearerToken:
    """ASGI middleware: refuses a request without the token with a JSON 401 (see the module
    docstring). ``token`` defaults to ``AUTOML_API_TOKEN``; empty or unset guards nothing."""

    def __init__(self, app: Any, token: str | None = None) -> None:
        self.app = app
        token = os.environ.get(TOKEN_VARIABLE, "") if token is None else token
        self._digest = _digest(token) if token else None

    def _allowed(self, scope: dict[str, Any]) -> bool:
        if self._digest is None or scope.get("path") in OPEN_PATHS:
            return True
        headers = dict(scope.get("headers") or [])
        scheme, _, given = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(_digest(given.strip()),
                                                                  self._digest)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        message = (f"this service needs a bearer token: send the header 'Authorization: "
                   f"Bearer <token>' with the token in the service's {TOKEN_VARIABLE}")
        body = json.dumps({"error": message, "failures": [
            {"column": None, "check": "missing or wrong bearer token", "value": None}]}).encode()
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'Bearer realm="automl"')]})
        await send({"type": "http.response.body", "body": body})
