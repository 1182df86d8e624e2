"""A real HTTP server on loopback speaking each provider's model-list API.

One :class:`ProviderServer` per test, in a thread (stdlib ``ThreadingHTTPServer``). It
serves the list endpoint of one API shape with that API's own pagination and error
bodies, checks the API key the way the provider does, and can be told to answer the
next requests with scripted failures (429 with ``Retry-After``, 5xx, garbage).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request the server saw: path, query (first values) and headers (lower-case)."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class ProviderServer:
    """State of a fake provider: its models (ids), key, page size and scripted failures."""

    shape: str
    key: str | None = "test-key-0123456789"
    models: list[str] = field(default_factory=list)
    page_size: int = 1000
    failures: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        """The provider's ``base_url`` as a catalogue writes it for this shape."""
        root = f"http://127.0.0.1:{self.port}"
        return root + "/v1" if self.shape == "openai" else root

    # --- request handling --------------------------------------------------------

    def handle(self, req: Request) -> tuple[int, dict[str, str], bytes]:
        self.requests.append(req)
        if self.failures:
            return self.failures.pop(0)
        route = {"anthropic": "/v1/models", "openai": "/v1/models", "ollama": "/api/tags",
                 "gemini": "/v1beta/models"}[self.shape]
        if req.path != route:
            return 404, {}, b'{"error": {"message": "not found"}}'
        if not self._authorised(req.headers):
            return 401, {}, json.dumps(self._auth_error()).encode()
        return 200, {}, json.dumps(getattr(self, f"_{self.shape}")(req.query)).encode()

    def _authorised(self, headers: dict[str, str]) -> bool:
        if self.key is None:
            return True
        if self.shape == "anthropic":
            return headers.get("x-api-key") == self.key and "anthropic-version" in headers
        if self.shape == "gemini":
            return headers.get("x-goog-api-key") == self.key
        return headers.get("authorization") == f"Bearer {self.key}"

    def _auth_error(self) -> dict[str, Any]:
        if self.shape == "anthropic":
            return {"type": "error",
                    "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
        if self.shape == "gemini":
            return {"error": {"code": 401, "message": "API key not valid.",
                              "status": "UNAUTHENTICATED"}}
        return {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                          "code": "invalid_api_key"}}

    def _page(self, start: int) -> tuple[list[str], bool]:
        chunk = self.models[start : start + self.page_size]
        return chunk, start + self.page_size < len(self.models)

    def _anthropic(self, query: dict[str, str]) -> dict[str, Any]:
        start = self.models.index(query["after_id"]) + 1 if "after_id" in query else 0
        chunk, more = self._page(start)
        return {
            "data": [{"type": "model", "id": m, "display_name": m.title(),
                      "created_at": "2025-01-01T00:00:00Z"} for m in chunk],
            "has_more": more, "first_id": chunk[0] if chunk else None,
            "last_id": chunk[-1] if chunk else None,
        }

    def _openai(self, query: dict[str, str]) -> dict[str, Any]:
        start = self.models.index(query["after"]) + 1 if "after" in query else 0
        chunk, more = self._page(start)
        body: dict[str, Any] = {
            "object": "list",
            "data": [{"id": m, "object": "model", "created": 1700000000,
                      "owned_by": "system"} for m in chunk],
        }
        if self.page_size < 1000:
            body.update(has_more=more, last_id=chunk[-1] if chunk else None)
        return body

    def _ollama(self, query: dict[str, str]) -> dict[str, Any]:
        return {"models": [{"name": m, "model": m, "modified_at": "2025-01-01T00:00:00Z",
                            "size": 1, "digest": "0" * 64, "details": {"family": "llama"}}
                           for m in self.models]}

    def _gemini(self, query: dict[str, str]) -> dict[str, Any]:
        start = int(query.get("pageToken", "0"))
        chunk, more = self._page(start)
        body: dict[str, Any] = {"models": [
            {"name": f"models/{m}", "displayName": m, "version": "001",
             "supportedGenerationMethods":
                 ["embedContent"] if "embedding" in m else ["generateContent", "countTokens"]}
            for m in chunk
        ]}
        if more:
            body["nextPageToken"] = str(start + self.page_size)
        return body


@contextmanager
def serve(server: ProviderServer) -> Iterator[ProviderServer]:
    """Run ``server`` on 127.0.0.1 (a free port) for the duration of the block."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, body = server.handle(Request(parts.path, query, headers))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
