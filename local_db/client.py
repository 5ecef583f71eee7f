"""The store app's only way to the core: HTTP, through the contract of DESIGN.md."""

import re
from collections.abc import AsyncIterator

import httpx

from contract.events import SILENCE_S

API = "/api/v1"


class CoreUnavailable(Exception):
    """The core could not be reached or did not answer properly: try again later."""


def _broken(exc: httpx.HTTPError) -> str:
    """What went wrong on the line, in words a store can act on (the error's name for IT)."""
    if isinstance(exc, httpx.UnsupportedProtocol):
        why = "the system's address is not an http(s) URL"
    elif isinstance(exc, httpx.ConnectError):  # refused, no route, or no secure connection (a certificate, a clock)
        why = "the system or the network is down, or the system's address is wrong"
    elif isinstance(exc, httpx.TimeoutException):
        why = "it did not answer in time"
    else:
        why = "the connection broke"
    return f"{why} ({exc.__class__.__name__})"


class CoreRefused(Exception):
    """The core answered and said no (4xx): trying again will not help."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


class CoreClient:
    def __init__(self, base_url: str, *, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.base_url, transport=transport, timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, token: str | None = None, **kwargs) -> dict | list:  # noqa: ANN003
        response = await self._send(method, path, token, **kwargs)
        if response.status_code == 204:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise CoreUnavailable("the system answered something that is not JSON") from exc

    async def _send(self, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:  # noqa: ANN003
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers |= kwargs.pop("headers", None) or {}
        try:
            response = await self._http.request(method, API + path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise CoreUnavailable(f"cannot reach the system: {_broken(exc)}") from exc
        if response.status_code >= 500 or response.status_code == 429 and "Retry-After" not in response.headers:
            raise CoreUnavailable(f"the system is busy or failing (it answered {response.status_code})")
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                raise CoreUnavailable(f"the system's address answered {response.status_code} without saying why "
                                      "(is the address right?)") from None
            raise CoreRefused(response.status_code, error.get("code", ""), error.get("message", ""), error.get("details"))
        return response

    async def download(self, path: str, token: str, **kwargs) -> tuple[str | None, bytes]:  # noqa: ANN003
        """A file the core serves (a CSV export, a receipt): its name, if given, and its bytes."""
        response = await self._send("GET", path, token, **kwargs)
        found = re.search(r'filename="([^"]+)"', response.headers.get("Content-Disposition", ""))
        return (found.group(1) if found else None), response.content

    # --- the calls sync needs ------------------------------------------------

    async def sign_in(self, store: str, staff: str, pin: str) -> dict:
        return await self.request("POST", "/auth/token", json={"store": store, "staff": staff, "pin": pin})

    async def enrol(self, staff_token: str, device_id: str, name: str) -> str:
        body = await self.request("POST", "/auth/device", staff_token, json={"id": device_id, "name": name})
        return body["device_token"]

    async def pull(self, device_token: str, since: str | None, limit: int) -> dict:
        params = {"limit": limit} | ({"since": since} if since else {})
        return await self.request("GET", "/sync/changes", device_token, params=params)

    async def push(self, device_token: str, mutations: list[dict]) -> list[dict]:
        body = await self.request("POST", "/sync/mutations", device_token, json={"mutations": mutations})
        return body["results"]

    # --- online-only calls of the counter (returns, endless aisle, codes sent again) --

    async def resend_pickup_code(self, token: str, fulfilment_id: str) -> dict:
        """The customer's pickup code e-mailed again (a copy every few minutes at most: the answer says which)."""
        return await self.request("POST", f"/counter/shelf/{fulfilment_id}/resend-code", token)

    async def lookup_orders(self, token: str, q: str) -> list[dict]:
        """Any order of any channel by number, name, e-mail or phone."""
        return await self.request("GET", "/orders/lookup", token, params={"q": q})

    async def order(self, token: str, order_id: str) -> dict:
        return await self.request("GET", f"/orders/{order_id}", token)

    async def returnable(self, token: str, order_id: str) -> dict:
        """What of the order may come back, and at what refund, as the core counts it."""
        return await self.request("GET", f"/orders/{order_id}/returnable", token)

    async def create_return(self, token: str, body: dict) -> dict:
        """`body["id"]` is made by the counter: sending it again returns the same return."""
        return await self.request("POST", "/returns", token, json=body)

    async def return_receipt(self, token: str, return_id: str) -> bytes:
        _, receipt = await self.download(f"/returns/{return_id}/receipt", token)
        return receipt

    async def products(self, token: str, q: str, limit: int = 20) -> list[dict]:
        return await self.request("GET", "/products", token, params={"q": q, "limit": limit})

    async def locations(self, token: str) -> list[dict]:
        """The network's warehouses and stores: names and places."""
        return await self.request("GET", "/locations", token)

    async def availability(self, token: str, skus: list[str]) -> dict:
        return await self.request("GET", "/availability", token, params={"skus": ",".join(skus)})

    async def promise(self, token: str, body: dict) -> dict:
        return await self.request("POST", "/promise", token, json=body)

    async def place_order(self, token: str, body: dict, idempotency_key: str) -> dict:
        return await self.request("POST", "/orders", token, json=body, headers={"Idempotency-Key": idempotency_key})

    async def events(self, device_token: str) -> AsyncIterator[str]:
        """Server-sent event names ("ready", "changes", ...) until the stream ends."""
        headers = {"Authorization": f"Bearer {device_token}", "Accept": "text/event-stream"}
        # Heartbeats keep a healthy stream talking: a silent one is a dead line.
        timeout = httpx.Timeout(10.0, read=SILENCE_S)
        try:
            async with self._http.stream("GET", API + "/sync/events", headers=headers, timeout=timeout) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise CoreUnavailable(f"live updates refused (the system answered {response.status_code})")
                name = "message"
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line == "":
                        if name != "message":
                            yield name
                        name = "message"
        except httpx.HTTPError as exc:
            raise CoreUnavailable(f"live updates lost: {_broken(exc)}") from exc
