"""A real MCP server for the acceptance suite: streamable HTTP on loopback, one bearer token.

Run as ``python mcp_server.py --port N --token T --log FILE``. Every HTTP request is
logged to FILE as ``<status> <method> <path>`` so tests can tell a real, authorised
connection from a refused one. A request without ``Authorization: Bearer T`` gets 401
with no ``WWW-Authenticate`` challenge, so clients fail instead of starting OAuth.
"""

from __future__ import annotations

import argparse
import hmac
from pathlib import Path
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer

server = MCPServer("agentctl-probe")


@server.tool()
def echo(text: str) -> str:
    """Return ``text`` unchanged."""
    return text


@server.tool()
def add(a: int, b: int) -> int:
    """Return ``a + b``."""
    return a + b


class BearerOnly:
    """ASGI middleware: only requests carrying the one accepted bearer token get through."""

    def __init__(self, app: Any, token: str, log: Path) -> None:
        self.app, self.expected, self.log = app, f"Bearer {token}".encode(), log

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        ok = hmac.compare_digest(headers.get(b"authorization", b""), self.expected)
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(f"{200 if ok else 401} {scope['method']} {scope['path']}\n")
        if ok:
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"invalid bearer token\n"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    app = BearerOnly(server.streamable_http_app(), args.token, args.log)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
