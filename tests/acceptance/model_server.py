"""A scripted model on loopback for the headless acceptance matrix.

It speaks the four wire protocols the runtimes use for inference, each with streaming:

* Anthropic Messages, ``POST …/v1/messages`` (SSE when ``stream`` is true; Claude Code);
* OpenAI Responses, ``POST …/responses`` (SSE; Codex CLI, which first tries a WebSocket
  on the same path and falls back to HTTPS when the upgrade is refused);
* OpenAI Chat Completions, ``POST …/chat/completions`` (SSE; OpenCode through
  ``@ai-sdk/openai-compatible``, Copilot CLI and Qwen Code through their OpenAI
  clients);
* Gemini ``POST …/v1beta/models/<model>:streamGenerateContent?alt=sse`` (and the
  non-streaming ``:generateContent``; Gemini CLI through ``@google/genai``).

The script is the same for every protocol. The user's prompt carries a directive
``call-tool <name> key=value …`` (:data:`DIRECTIVE`). While no result of that call is in
the request, a request that offers any tools is answered with a call to ``<name>``
(offered or not: a tool outside the allow-list must be refused by the runtime, not by the
model); once the request holds the call's result, the answer is text quoting it. A
runtime may send its first turn before a stdio MCP server has connected (Claude Code
does under load): when a later turn offers the tool that no earlier turn offered, the
refusal of the early call is answered with the call once more (:func:`_decide`).
Requests without the directive or without tools (titles, summaries, quota probes) get short text.

Every request is recorded (:class:`Received`): the first path segment (the route the
catalogue's provider ``base_url`` names), the protocol, whether the expected inference
key arrived, the tool names offered, the directive and any tool result. The key is
compared, never stored.

Shapes from the public API references (Anthropic "Streaming Messages", OpenAI
"Responses streaming events" and "Chat Completions streaming", Gemini
"streamGenerateContent") and the clients' sources (openai/codex
``codex-rs/codex-api/src/sse/responses.rs``, vercel/ai ``packages/openai-compatible``,
googleapis/js-genai).
"""

from __future__ import annotations

import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: ``call-tool <name> key=value …``: values of digits are integers, the rest text (paths
#: included). No quotes or braces, so a runtime that quotes or escapes the prompt keeps it
#: intact.
DIRECTIVE = re.compile(
    r"call-tool (?P<name>[A-Za-z0-9_.:/-]+)(?P<args>(?: [A-Za-z_]+=[A-Za-z0-9_./-]+)+)"
)
FINAL_TEXT = "scripted model: the tool answered: "


@dataclass(frozen=True)
class ToolResult:
    """A tool result found in a request: its text and whether the runtime marked an error."""

    text: str
    is_error: bool


@dataclass(frozen=True)
class Received:
    """One inference request as the scripted model saw it."""

    route: str
    protocol: str
    model: str
    key_ok: bool
    tools: tuple[str, ...]
    directive: str | None
    results: tuple[ToolResult, ...]
    answer: str
    #: Every text the request carried (system prompt, messages, reminders, tool results),
    #: joined (Anthropic, Chat Completions; Gemini as JSON; Responses: instructions and
    #: user, developer and system messages).
    context: str = ""


@dataclass
class ScriptedModel:
    """The server: :meth:`start` it, point providers at :attr:`url` ``/<route>``."""

    api_key: str
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ScriptedModel:
        """Listen on a free loopback port in a daemon thread."""
        model = self

        class Handler(_Handler):
            scripted = model

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def record(self, received: Received) -> None:
        """Keep ``received`` (thread-safe)."""
        with self._lock:
            self.received.append(received)

    def await_subagent(self, route: str, model: str | None, since: int,
                       timeout: float = 60.0) -> None:
        """Wait (at most ``timeout`` s) until a request on ``route`` for another model than
        ``model`` arrived from index ``since`` on (the parent's first turn): the subagent a
        spawn started.
        The parent's final answer is held until then, as a real model would wait for its
        subagent, so the runtime does not end the run before the subagent's first turn."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if any(r.route == route and r.model != model for r in self.received[since:]):
                    return
            time.sleep(0.1)

    def first_turn(self, directive: str | None) -> int:
        """The index of the first request carrying ``directive`` (else the count so far)."""
        with self._lock:
            return next((i for i, r in enumerate(self.received) if r.directive == directive),
                        len(self.received))

    def offered_before(self, request: _Request) -> bool:
        """Whether an earlier turn of ``request``'s directive was answered with a call to
        a tool it offered (a runtime may send its first turn before an MCP server has
        connected: that turn lacks the tool, and the call it gets is refused)."""
        directive = request.directive
        match = DIRECTIVE.search(directive) if directive else None
        if match is None:
            return False
        with self._lock:
            return any(r.directive == directive and r.answer == "tool_call"
                       and match["name"] in r.tools for r in self.received)

    def for_marker(self, marker: str) -> list[Received]:
        """Requests whose directive carries ``marker`` (a case's unique argument)."""
        with self._lock:
            return [r for r in self.received if r.directive and marker in r.directive]


class _Handler(BaseHTTPRequestHandler):
    scripted: ScriptedModel
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: the tests read the records

    # Codex tries `GET …/responses` with a WebSocket upgrade first: refuse it plainly.
    def do_GET(self) -> None:
        self._send(404, "application/json", b'{"error":{"message":"not found"}}')

    def do_HEAD(self) -> None:
        self._send(200, "text/plain", b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(400, "application/json", b'{"error":{"message":"not JSON"}}')
            return
        path = self.path.split("?", 1)[0]
        route = path.strip("/").split("/", 1)[0]
        if path.endswith("/v1/messages/count_tokens"):
            self._send(200, "application/json", b'{"input_tokens": 12}')
            return
        protocol = _protocol(path)
        if protocol is None:
            self._send(404, "application/json", b'{"error":{"message":"unknown path"}}')
            return
        request = _PARSERS[protocol](body, path)
        key_ok = _key_matches(protocol, self.headers, self.scripted.api_key)
        answer = _decide(request, self.scripted.offered_before(request))
        spawned = (answer.kind == "text" and bool(request.results)
                   and "spawn_agent" in (request.directive or ""))
        since = self.scripted.first_turn(request.directive)
        self.scripted.record(Received(
            route=route, protocol=protocol, model=request.model, key_ok=key_ok,
            tools=request.tools, directive=request.directive, results=request.results,
            answer=answer.kind, context=request.context,
        ))
        if spawned:  # Codex's spawn_agent returns at once: hold the parent's last turn
            self.scripted.await_subagent(route, request.model, since)
        streaming = bool(body.get("stream")) or ":streamGenerateContent" in path
        if protocol == "responses":
            streaming = True  # Codex always streams
        writer = _WRITERS[protocol]
        if streaming:
            events = b"".join(writer(answer, request.model))
            self._send(200, "text/event-stream", events)
        else:
            self._send(200, "application/json", json.dumps(_FINAL[protocol](answer,
                                                                           request.model))
                       .encode())

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(payload)))
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


def _protocol(path: str) -> str | None:
    if path.endswith("/v1/messages"):
        return "anthropic"
    if path.endswith("/responses"):
        return "responses"
    if path.endswith("/chat/completions"):
        return "chat"
    if ":streamGenerateContent" in path or ":generateContent" in path:
        return "gemini"
    return None


def _key_matches(protocol: str, headers: Any, expected: str) -> bool:
    if protocol == "anthropic":
        sent = headers.get("x-api-key") or _bearer(headers.get("authorization"))
    elif protocol == "gemini":
        sent = headers.get("x-goog-api-key") or _bearer(headers.get("authorization"))
    else:
        sent = _bearer(headers.get("authorization"))
    return hmac.compare_digest((sent or "").encode(), expected.encode())


def _bearer(value: str | None) -> str:
    return value[7:] if value and value.lower().startswith("bearer ") else ""


@dataclass(frozen=True)
class _Request:
    model: str
    tools: tuple[str, ...]
    texts: tuple[str, ...]  # user-authored text, in order
    results: tuple[ToolResult, ...]
    context: str = ""  # every text of the request (see Received.context)

    @property
    def directive(self) -> str | None:
        """The first ``call-tool`` directive in the user's text."""
        for text in self.texts:
            match = DIRECTIVE.search(text)
            if match:
                return match.group(0)
        return None


@dataclass(frozen=True)
class _Answer:
    kind: str  # "tool_call" | "text"
    text: str = ""
    tool: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    call_id: str = "call_scripted_1"


def _decide(request: _Request, offered_before: bool) -> _Answer:
    """The script: call the directive's tool until a result is in the request, then quote
    the result. One retry: a result of a call made while the tool was not offered, in a
    request that now offers it (the MCP server connected after the first turn), is
    answered with the call again rather than with the refusal."""
    directive = request.directive
    if directive is None or not request.tools:
        return _Answer("text", text="ok")
    match = DIRECTIVE.search(directive)
    assert match is not None
    retry = match["name"] in request.tools and not offered_before
    if request.results and not retry:
        return _Answer("text", text=FINAL_TEXT + request.results[-1].text)
    # Each call of a conversation gets an id of its own (a runtime keys results on it).
    return _Answer("tool_call", tool=match["name"], arguments=directive_arguments(match),
                   call_id=f"call_scripted_{len(request.results) + 1}")


def directive_arguments(match: re.Match[str]) -> dict[str, Any]:
    """The tool arguments a directive names: ``a=1 text=x`` → ``{"a": 1, "text": "x"}``."""
    out: dict[str, Any] = {}
    for pair in match["args"].split():
        key, _, value = pair.partition("=")
        out[key] = int(value) if value.isdigit() else value
    return out


def _text_of(content: Any) -> str:
    """Text of a content value: a string, a list of parts, or a mapping holding text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text_of(part) for part in content)
    if isinstance(content, dict):
        for key in ("text", "output", "content", "result"):
            if key in content:
                return _text_of(content[key])
        return json.dumps(content, sort_keys=True)
    return "" if content is None else str(content)


# ---- Anthropic Messages -------------------------------------------------------------------

def _parse_anthropic(body: dict[str, Any], path: str) -> _Request:
    texts: list[str] = []
    every_text = [_text_of(body.get("system"))]
    results: list[ToolResult] = []
    for message in body.get("messages") or []:
        content = message.get("content")
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
        for block in blocks:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_result":
                results.append(ToolResult(_text_of(block.get("content")),
                                          bool(block.get("is_error"))))
            elif block.get("type") == "text":
                every_text.append(str(block.get("text") or ""))
                if message.get("role") == "user":
                    texts.append(every_text[-1])
    tools = [str(t.get("name")) for t in body.get("tools") or [] if isinstance(t, dict)]
    # Claude Code defers MCP tools behind its ToolSearch tool and lists them by name (in
    # a user reminder, or for newer models a system message); they are callable by that
    # name all the same.
    for text in every_text:
        for block in DEFERRED.finditer(text):
            tools.extend(n.strip() for n in block["names"].splitlines() if n.strip())
    return _Request(str(body.get("model") or ""), tuple(tools), tuple(texts), tuple(results),
                    "\n".join(every_text))


DEFERRED = re.compile(r"deferred tools are now available[^\n]*\n(?P<names>(?:[^\n<]+\n)+)")


def _tool_use_id(answer: _Answer) -> str:
    return "toolu_" + answer.call_id.removeprefix("call_")


def _anthropic_message(answer: _Answer, model: str) -> dict[str, Any]:
    if answer.kind == "tool_call":
        content = [{"type": "tool_use", "id": _tool_use_id(answer), "name": answer.tool,
                    "input": answer.arguments}]
        stop = "tool_use"
    else:
        content = [{"type": "text", "text": answer.text}]
        stop = "end_turn"
    return {"id": "msg_scripted", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 6}}


def _sse(event: str | None, data: Any) -> bytes:
    head = f"event: {event}\n" if event else ""
    return (head + "data: " + (data if isinstance(data, str) else json.dumps(data))
            + "\n\n").encode()


def _write_anthropic(answer: _Answer, model: str) -> Iterator[bytes]:
    message = _anthropic_message(answer, model)
    start = {**message, "content": [], "stop_reason": None,
             "usage": {"input_tokens": 12, "output_tokens": 1}}
    yield _sse("message_start", {"type": "message_start", "message": start})
    if answer.kind == "tool_call":
        block = {"type": "tool_use", "id": _tool_use_id(answer), "name": answer.tool, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(answer.arguments)}
    else:
        block = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": answer.text}
    yield _sse("content_block_start",
               {"type": "content_block_start", "index": 0, "content_block": block})
    yield _sse("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
    yield _sse("content_block_stop", {"type": "content_block_stop", "index": 0})
    yield _sse("message_delta", {"type": "message_delta",
                                 "delta": {"stop_reason": message["stop_reason"],
                                           "stop_sequence": None},
                                 "usage": {"output_tokens": 6}})
    yield _sse("message_stop", {"type": "message_stop"})


# ---- OpenAI Responses ---------------------------------------------------------------------

def _tool_names(tools: Any) -> list[str]:
    """Names in a Responses ``tools`` list, descending into namespace groups."""
    names: list[str] = []
    for tool in tools or []:
        if not isinstance(tool, dict):
            continue
        inner = tool.get("tools")
        if isinstance(inner, list):
            prefix = str(tool.get("name") or "")
            names.extend(f"{prefix}/{n}" for n in _tool_names(inner))
        elif tool.get("name"):
            names.append(str(tool["name"]))
        elif isinstance(tool.get("function"), dict):
            names.append(str(tool["function"].get("name")))
    return names


def _parse_responses(body: dict[str, Any], path: str) -> _Request:
    texts: list[str] = []
    results: list[ToolResult] = []
    # Codex sends its own and the AGENTS.md / role instructions as developer messages.
    every_text = [_text_of(body.get("instructions"))]
    items = body.get("input")
    for item in items if isinstance(items, list) else [{"role": "user", "content": items}]:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind in ("function_call_output", "custom_tool_call_output",
                    "mcp_tool_call_output"):
            output = item.get("output")
            text = _text_of(output)
            failed = isinstance(output, dict) and output.get("success") is False
            results.append(ToolResult(text, failed))
        elif item.get("role") in ("user", "developer", "system"):
            every_text.append(_text_of(item.get("content")))
            if item.get("role") == "user":
                texts.append(every_text[-1])
    return _Request(str(body.get("model") or ""), tuple(_tool_names(body.get("tools"))),
                    tuple(texts), tuple(results), "\n".join(every_text))


def _responses_items(answer: _Answer) -> list[dict[str, Any]]:
    if answer.kind == "tool_call":
        # Codex offers MCP tools in namespaces: a call names the namespace and the tool.
        namespace, _, name = answer.tool.rpartition("/")
        call = {"type": "function_call", "id": "fc_" + answer.call_id.removeprefix("call_"),
                "call_id": answer.call_id,
                "name": name, "arguments": json.dumps(answer.arguments), "status": "completed"}
        if namespace:
            call["namespace"] = namespace
        return [call]
    return [{"type": "message", "id": "msg_scripted_1", "role": "assistant",
             "status": "completed",
             "content": [{"type": "output_text", "text": answer.text, "annotations": []}]}]


def _write_responses(answer: _Answer, model: str) -> Iterator[bytes]:
    response = {"id": "resp_scripted", "object": "response", "model": model,
                "status": "in_progress", "output": []}
    yield _sse("response.created", {"type": "response.created", "response": response})
    items = _responses_items(answer)
    for index, item in enumerate(items):
        yield _sse("response.output_item.added",
                   {"type": "response.output_item.added", "output_index": index, "item": item})
        if item["type"] == "message":
            yield _sse("response.output_text.delta",
                       {"type": "response.output_text.delta", "item_id": item["id"],
                        "output_index": index, "content_index": 0, "delta": answer.text})
        yield _sse("response.output_item.done",
                   {"type": "response.output_item.done", "output_index": index, "item": item})
    done = {**response, "status": "completed", "output": items,
            "usage": {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens": 6, "output_tokens_details": {"reasoning_tokens": 0},
                      "total_tokens": 18}}
    yield _sse("response.completed", {"type": "response.completed", "response": done})


# ---- OpenAI Chat Completions --------------------------------------------------------------

def _parse_chat(body: dict[str, Any], path: str) -> _Request:
    texts: list[str] = []
    results: list[ToolResult] = []
    for message in body.get("messages") or []:
        role = message.get("role")
        if role == "tool":
            results.append(ToolResult(_text_of(message.get("content")), False))
        elif role == "user":
            texts.append(_text_of(message.get("content")))
    tools = [str(t.get("function", {}).get("name")) for t in body.get("tools") or []
             if isinstance(t, dict)]
    # Qwen Code offers MCP tools through its tool_search / tool_call bridge and names
    # them in a reminder; they are callable by that name all the same.
    for message in body.get("messages") or []:
        for block in BRIDGED.finditer(_text_of(message.get("content"))):
            tools.extend(BRIDGED_NAME.findall(block["names"]))
    context = "\n".join(_text_of(m.get("content")) for m in body.get("messages") or []
                        if isinstance(m, dict))
    return _Request(str(body.get("model") or ""), tuple(tools), tuple(texts), tuple(results),
                    context)


BRIDGED = re.compile(r"MCP tools became available[^\n]*reachable through `tool_search`"
                     r"(?P<names>(?:.|\n)*?)</system-reminder>")
BRIDGED_NAME = re.compile(r'^- "([^"]+)":', re.M)


def _write_chat(answer: _Answer, model: str) -> Iterator[bytes]:
    base = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0,
            "model": model}
    if answer.kind == "tool_call":
        delta: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [
            {"index": 0, "id": answer.call_id, "type": "function",
             "function": {"name": answer.tool, "arguments": json.dumps(answer.arguments)}}]}
        finish = "tool_calls"
    else:
        delta = {"role": "assistant", "content": answer.text}
        finish = "stop"
    yield _sse(None, {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    yield _sse(None, {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}],
                      "usage": {"prompt_tokens": 12, "completion_tokens": 6,
                                "total_tokens": 18}})
    yield b"data: [DONE]\n\n"


def _chat_final(answer: _Answer, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": answer.text or None}
    if answer.kind == "tool_call":
        message["tool_calls"] = [{"id": answer.call_id, "type": "function", "function": {
            "name": answer.tool, "arguments": json.dumps(answer.arguments)}}]
    return {"id": "chatcmpl-scripted", "object": "chat.completion", "created": 0,
            "model": model, "choices": [{"index": 0, "message": message, "finish_reason":
                                         "tool_calls" if answer.kind == "tool_call" else "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18}}


# ---- Gemini -------------------------------------------------------------------------------

def _parse_gemini(body: dict[str, Any], path: str) -> _Request:
    texts: list[str] = []
    results: list[ToolResult] = []
    for content in body.get("contents") or []:
        for part in content.get("parts") or []:
            if not isinstance(part, dict):
                continue
            if "functionResponse" in part:
                response = part["functionResponse"].get("response") or {}
                failed = isinstance(response, dict) and "error" in response
                results.append(ToolResult(_text_of(response), failed))
            elif "text" in part and content.get("role") in (None, "user"):
                texts.append(str(part["text"]))
    tools = tuple(str(d.get("name")) for t in body.get("tools") or [] if isinstance(t, dict)
                  for d in t.get("functionDeclarations") or [])
    model = path.rsplit("/models/", 1)[-1].split(":", 1)[0]
    context = json.dumps([body.get("systemInstruction"), body.get("contents")],
                         ensure_ascii=False)
    return _Request(model, tools, tuple(texts), tuple(results), context)


def _gemini_chunk(answer: _Answer, model: str) -> dict[str, Any]:
    if answer.kind == "tool_call":
        part: dict[str, Any] = {"functionCall": {"name": answer.tool, "args": answer.arguments}}
    else:
        part = {"text": answer.text}
    return {"candidates": [{"content": {"role": "model", "parts": [part]},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 6,
                              "totalTokenCount": 18},
            "modelVersion": model}


def _write_gemini(answer: _Answer, model: str) -> Iterator[bytes]:
    yield _sse(None, _gemini_chunk(answer, model))


_PARSERS = {"anthropic": _parse_anthropic, "responses": _parse_responses, "chat": _parse_chat,
            "gemini": _parse_gemini}
_WRITERS = {"anthropic": _write_anthropic, "responses": _write_responses, "chat": _write_chat,
            "gemini": _write_gemini}
_FINAL = {"anthropic": _anthropic_message, "chat": _chat_final, "gemini": _gemini_chunk,
          "responses": lambda answer, model: {"output": _responses_items(answer)}}
