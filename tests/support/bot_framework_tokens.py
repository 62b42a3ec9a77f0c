"""Bot Framework tokens for tests of the signed path, with our own key and issuer.

botbuilder checks an inbound token against the signing keys named by an OpenID metadata
document. `TokenIssuer` generates an RSA key, serves the metadata and the key set from a
thread of its own (botbuilder fetches them with a blocking `requests.get`, so they cannot
be served by the event loop that is waiting), and signs tokens the way the Bot Framework
does. `StaticCredentials` stands in for the app password outbound: it hands botbuilder a
fixed token instead of asking Azure AD for one.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import jwt
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.test"
KEY_ID = "test-signing-key"
OUTBOUND_TOKEN = "static-outbound-token"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class TokenIssuer:
    """Serves OpenID metadata and keys on 127.0.0.1 and signs tokens with its key."""

    def __init__(self) -> None:
        self._key = _new_key()
        public = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        self._jwks = {
            "keys": [{**public, "kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]}]
        }
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/.well-known/openidconfiguration"

    def token(
        self,
        *,
        audience: str,
        service_url: str,
        issuer: str = ISSUER,
        expires_in: float = 3600,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + int(expires_in),
        }
        signing_key = key or self._key
        return jwt.encode(claims, signing_key, algorithm="RS256", headers={"kid": KEY_ID})

    @staticmethod
    def stranger_key() -> rsa.RSAPrivateKey:
        """A key nobody published, for tokens that must be refused."""
        return _new_key()

    def __enter__(self) -> TokenIssuer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openidconfiguration":
                    self._json({"issuer": ISSUER, "jwks_uri": f"{issuer.base_url}/keys"})
                elif self.path == "/keys":
                    self._json(issuer._jwks)
                else:
                    self.send_error(404)

            def _json(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


class _StaticToken(AppCredentials):  # type: ignore[misc]
    def get_access_token(self, force_refresh: bool = False) -> str:
        return OUTBOUND_TOKEN


class StaticCredentials(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """The app's credentials outbound, without Azure AD: a fixed bearer token."""

    def __init__(self, app_id: str) -> None:
        self._app_id = app_id

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self._app_id

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        return _StaticToken(app_id=app_id, oauth_scope=oauth_scope)
