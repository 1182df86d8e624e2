"""A real MCP server for the acceptance suite (``mcp`` SDK), over HTTP or stdio.

HTTP: ``python mcp_server.py --port N --token T --header-key K --log FILE`` serves
streamable HTTP on loopback at three paths: ``/mcp`` and ``/expired/mcp`` accept only
``Authorization: Bearer T``, ``/header/mcp`` only ``X-Probe-Key: K`` (a custom secret
header). A request without its secret gets 401 with no ``WWW-Authenticate`` challenge,
so clients fail instead of starting OAuth.

stdio: ``python mcp_server.py --stdio --token-sha256 H --token-env VAR --log FILE``
serves stdio; each ``tools/call`` checks that ``$VAR`` hashes to ``H`` (so no secret
travels in argv) and fails the call when it does not.

Every HTTP request and every stdio ``tools/call`` is logged to FILE as one JSON line:
``{"transport", "path", "status", "method", "tool", "text"}`` (``method``, ``tool`` and
``text``, the ``text`` argument or ``a+b``, from the JSON-RPC body when there is one), so
tests can tell an authorised tool call from a refused connection, and which case made it.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer

server = MCPServer("agentctl-probe")
STDIO: dict[str, Any] = {}


def _log(log: Path, **entry: Any) -> None:
    with log.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, sort_keys=True) + "\n")


def _stdio_check(tool: str, text: str) -> None:
    """In stdio mode: log the call and refuse it unless the env token is the right one."""
    if not STDIO:
        return
    value = os.environ.get(STDIO["env"], "").encode()
    ok = hmac.compare_digest(hashlib.sha256(value).hexdigest(), STDIO["sha256"])
    _log(STDIO["log"], transport="stdio", path="", status=200 if ok else 401,
         method="tools/call", tool=tool, text=text)
    if not ok:
        raise ValueError(f"{STDIO['env']} does not hold the token this server accepts")


@server.tool()
def echo(text: str) -> str:
    """Return ``text`` unchanged."""
    _stdio_check("echo", text)
    return text


@server.tool()
def add(a: int, b: int) -> int:
    """Return ``a + b``."""
    _stdio_check("add", f"{a}+{b}")
    return a + b


def _rpc(body: bytes) -> dict[str, Any]:
    """method, tool and text of a JSON-RPC request body (empty for anything else)."""
    try:
        doc = json.loads(body or b"null")
    except ValueError:
        return {}
    if not isinstance(doc, dict):
        return {}
    out: dict[str, Any] = {"method": doc.get("method")}
    params = doc.get("params")
    if doc.get("method") == "tools/call" and isinstance(params, dict):
        args = params.get("arguments") or {}
        out["tool"] = params.get("name")
        if isinstance(args, dict):
            out["text"] = args.get("text", f"{args.get('a')}+{args.get('b')}")
    return out


class SecretGate:
    """ASGI middleware: ``/header/mcp`` needs the custom header, every other path the
    bearer token; ``/header/…`` and ``/expired/…`` are served as ``/…``."""

    def __init__(self, app: Any, token: str, header_key: str, log: Path) -> None:
        self.app, self.log = app, log
        self.bearer = f"Bearer {token}".encode()
        self.header_key = header_key.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        path = scope["path"]
        if path.startswith("/header/"):
            ok = hmac.compare_digest(headers.get(b"x-probe-key", b""), self.header_key)
        else:
            ok = hmac.compare_digest(headers.get(b"authorization", b""), self.bearer)
        for prefix in ("/header/", "/expired/"):
            if path.startswith(prefix):
                scope = {**scope, "path": path[len(prefix) - 1:], "raw_path": None}
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        _log(self.log, transport="http", path=path, status=200 if ok else 401,
             **{"method": None, "tool": None, "text": None, **_rpc(body)})
        if not ok:
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"invalid credentials\n"})
            return
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--stdio", action="store_true")
    parser.add_argument("--token-sha256")
    parser.add_argument("--token-env")
    parser.add_argument("--port", type=int)
    parser.add_argument("--token")
    parser.add_argument("--header-key", default="")
    args = parser.parse_args()
    if args.stdio:
        STDIO.update(env=args.token_env, sha256=args.token_sha256, log=args.log)
        server.run("stdio")
        return
    import uvicorn

    app = SecretGate(server.streamable_http_app(), args.token, args.header_key, args.log)
    # Keep idle connections open well past any client's own keep-alive: with uvicorn's
    # default of 5 s, a client (Gemini CLI's fetch) reusing a connection the server closed
    # in the meantime gets "fetch failed" whenever a model turn takes over 5 s under load.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning",
                timeout_keep_alive=300)


if __name__ == "__main__":
    main()
