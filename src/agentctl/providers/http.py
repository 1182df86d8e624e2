"""HTTP for provider backends: httpx, timeouts, bounded retries with backoff.

httpx's transport ``retries`` only repeat failed *connections*; a 429 or a 5xx answer is
a successful connection. :class:`ProviderClient` therefore retries those itself, with
exponential backoff (``base_delay * 2**attempt``, capped at ``max_delay``), honouring a
``Retry-After`` header (seconds or an HTTP date, RFC 9110 §10.2.3) capped at
``max_retry_after``, for at most ``max_attempts`` requests in all. Errors name the
provider and the credential, never the credential's value.

httpx is imported here, and this module only by ``agentctl models``, so ordinary runs
never import it.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from msgspec import Struct, field

from agentctl.support.redact import redact

#: Statuses worth another attempt: rate limited, or the provider's own trouble.
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})


class ProviderError(Exception):
    """A provider could not be listed. ``provider`` and ``credential`` name what failed.

    ``auth`` is True for 401/403 answers (a wrong, expired or missing key). The message
    says why and how to fix it, and never holds a secret value.
    """

    def __init__(
        self, provider: str, credential: str | None, message: str, *, auth: bool = False
    ) -> None:
        self.provider = provider
        self.credential = credential
        self.auth = auth
        super().__init__(redact(message))


class RetryPolicy(Struct, frozen=True):
    """How hard to try: attempts in all, backoff and caps in seconds, per-request timeout."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0
    timeout: float = 20.0
    connect_timeout: float = 5.0
    #: Largest number of pages followed for one provider (a runaway cursor stops here).
    max_pages: int = 100


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait: delta-seconds or an HTTP date.

    Returns None when absent or unreadable; never negative.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class ProviderClient(Struct):
    """Authenticated GETs against one provider, with retries (see module docstring).

    ``headers`` carry the credential (built by the command, never logged); ``provider``
    and ``credential`` are names for error messages. ``sleep`` is ``time.sleep`` except
    where a test wants to see the waits.
    """

    provider: str
    credential: str | None
    headers: Mapping[str, str]
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    waits: list[float] = field(default_factory=list)
    _client: httpx.Client | None = None

    def __enter__(self) -> ProviderClient:
        self._client = httpx.Client(
            headers=dict(self.headers),
            timeout=httpx.Timeout(self.policy.timeout, connect=self.policy.connect_timeout),
            transport=httpx.HTTPTransport(retries=1),
            follow_redirects=False,
            trust_env=False,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _fail(self, message: str, *, auth: bool = False) -> ProviderError:
        who = f"provider '{self.provider}'"
        if self.credential:
            who += f" (credential '{self.credential}')"
        return ProviderError(self.provider, self.credential, f"{who}: {message}", auth=auth)

    def get_json(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        """GET ``url`` and return its JSON body, retrying 429/5xx and timeouts.

        Raises :class:`ProviderError` on 401/403 (``auth``), any other 4xx, a body that is
        not JSON, or when every attempt failed.
        """
        assert self._client is not None, "use ProviderClient as a context manager"
        last = ""
        for attempt in range(self.policy.max_attempts):
            delay = min(self.policy.max_delay, self.policy.base_delay * 2**attempt)
            try:
                response = self._client.get(url, params=dict(params or {}))
            except httpx.TimeoutException:
                last = f"timed out after {self.policy.timeout:g}s"
            except httpx.TransportError as exc:
                last = f"cannot reach {_origin(url)} ({type(exc).__name__})"
            else:
                status = response.status_code
                if status < 300:
                    try:
                        return response.json()
                    except ValueError:
                        raise self._fail(
                            f"GET {_path(url)} answered {status} with a body that is not JSON"
                        ) from None
                if status in (401, 403):
                    raise self._fail(
                        f"GET {_path(url)} was refused with {status} "
                        f"{response.reason_phrase}: the API key is wrong, expired or lacks "
                        "access. Store the right value for the credential (its `env` "
                        "variable or the keyring) and run again.",
                        auth=True,
                    )
                if status not in RETRY_STATUSES:
                    raise self._fail(
                        f"GET {_path(url)} failed with {status} {response.reason_phrase}"
                        + _detail(response)
                    )
                last = f"{status} {response.reason_phrase}"
                asked = retry_after_seconds(response.headers.get("retry-after"))
                if asked is not None:
                    delay = min(asked, self.policy.max_retry_after)
            if attempt + 1 < self.policy.max_attempts:
                self.waits.append(delay)
                self.sleep(delay)
        raise self._fail(
            f"GET {_path(url)} failed {self.policy.max_attempts} times (last: {last}); "
            "try again later"
        )


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode()}"


def _path(url: str) -> str:
    return httpx.URL(url).path


def _detail(response: httpx.Response) -> str:
    """A short reason from an error body (``error.message`` in every shape we list)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return f": {str(message)[:200]}" if isinstance(message, str) and message else ""
