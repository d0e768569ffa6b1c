"""A scripted OpenID Connect provider on 127.0.0.1, for the app's `st.login` in a real browser.

Real HTTP (pytest-httpserver) and real tokens (RS256 JWTs signed by joserfc, Authlib's
JOSE library, with a key made per run): discovery, `/authorize` (signs in whoever `next_email`
names, with no page of its own, and sends the browser back with a code), `/token`
(the code for an ID token carrying the nonce Streamlit sent), `/jwks`.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

CLIENT_ID = "summarizer-test-client"
CLIENT_SECRET = "client-secret-for-the-fake-provider"


@dataclass
class FakeOIDC:
    server: HTTPServer
    next_email: str = "carol@example.org"
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-key"}))

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def install(self) -> None:
        self.server.expect_request("/.well-known/openid-configuration").respond_with_handler(self.discovery)
        self.server.expect_request("/authorize").respond_with_handler(self.authorize)
        self.server.expect_request("/token", method="POST").respond_with_handler(self.token)
        self.server.expect_request("/jwks").respond_with_json({"keys": [self.key.as_dict(private=False)]})

    def discovery(self, request: Request) -> Response:
        return Response(
            json.dumps(
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token",
                    "jwks_uri": f"{self.issuer}/jwks",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                }
            ),
            content_type="application/json",
        )

    def authorize(self, request: Request) -> Response:
        args = request.args
        if args.get("client_id") != CLIENT_ID:
            return Response("unknown client", status=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": args.get("nonce"), "email": self.next_email}
        back = f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args.get('state', '')})}"
        return Response(status=302, headers={"Location": back})

    def token(self, request: Request) -> Response:
        granted = self.codes.pop(request.form.get("code", ""), None)
        if granted is None:
            return Response(
                json.dumps({"error": "invalid_grant"}), status=400, content_type="application/json"
            )
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "subject-" + granted["email"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 600,
            "email": granted["email"],
            "email_verified": True,
        }
        if granted["nonce"]:
            claims["nonce"] = granted["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)
        body = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 600}
        return Response(json.dumps({**body, "id_token": id_token}), content_type="application/json")

    def secrets_toml(self, app_url: str) -> str:
        return (
            "[auth]\n"
            f'redirect_uri = "{app_url}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(16)}"\n'
            f'client_id = "{CLIENT_ID}"\n'
            f'client_secret = "{CLIENT_SECRET}"\n'
            f'server_metadata_url = "{self.metadata_url}"\n'
        )
