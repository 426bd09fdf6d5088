"""``FakeMailgun``: one regional Mailgun REST host, served over real HTTP on 127.0.0.1.

Each request goes through, in order:

1. HTTP Basic ``api:<api_key>``, else 401 text "Forbidden" (Mailgun's answer);
2. validation against the official spec (``spec.py``); a refused request is recorded as invalid;
3. injected faults (hang, then 429/5xx);
4. 400 ``{"message": why}`` for a request the spec refused (webhook paths also carry ``Reason``,
   the key their documented 400 uses);
5. the region check: a domain this host does not hold answers 404 ``{"message": "Domain not found"}``,
   as Mailgun does on the wrong regional host; so does a subaccount's domain asked for without
   ``X-Mailgun-On-Behalf-Of: <its subaccount id>``;
6. the endpoint (``api_*.py``); a request the spec accepts but the fake does not implement gets 501.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import (
    api_account_webhooks,
    api_domains,
    api_events,
    api_lists,
    api_logs,
    api_suppressions,
    api_webhooks,
    spec,
)
from .common import ApiError, Ctx, json_response
from .faults import FaultRule, Faults
from .recording import Call, Recorder, describe, make_call
from .seeding import SeedingMixin
from .state import RegionState


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the fake's traffic is in ``FakeMailgun.calls``."""

    def log(self, type: str, message: str, *args: Any) -> None:
        pass


class FakeMailgun(SeedingMixin):
    def __init__(
        self,
        region: str = "us",
        api_key: str = "key-test",
        domains: Iterable[str] = (),
        *,
        subaccounts: Mapping[str, Iterable[str]] | None = None,
        validate_requests: bool = True,
        validate_responses: bool = False,
    ) -> None:
        if region not in spec.SERVER_URLS:
            raise ValueError(f"region must be one of {sorted(spec.SERVER_URLS)}, not {region!r}")
        self.region = region
        self.api_key = api_key
        self.validate_requests = validate_requests
        # Off by default: seeded events are the caller's data and may not match the spec.
        self.validate_responses = validate_responses
        self.state = RegionState(domains=list(domains))
        # subaccount id -> its domains, there before anything calls (kept by reset(), like the domains)
        for account, names in (subaccounts or {}).items():
            for name in names:
                self.add_subaccount_domain(name, account)
        self._recorder = Recorder()
        self._faults = Faults()
        self._response_problems: list[str] = []
        self._problems_lock = threading.Lock()
        self._map = Map(
            api_suppressions.rules()
            + api_lists.rules()
            + api_events.rules()
            + api_logs.rules()
            + api_webhooks.rules()
            + api_account_webhooks.rules()
            + api_domains.rules(),
            merge_slashes=False,
        )
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        if validate_requests:
            spec.load_openapi()  # parse the spec now, not inside the first request's timeout

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeMailgun:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        # A short poll interval keeps stop() fast (shutdown waits for the serve loop's next poll).
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=f"fake-mailgun-{self.region}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # releases hung requests
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeMailgun:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeMailgun is not started")
        return self._server.server_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def domains(self) -> list[str]:
        return list(self.state.domains)

    # -- faults -------------------------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        status: int = 429,
        retry_after: float | str | None = None,
        body_retry_seconds: float | None = None,
        *,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> None:
        """The next ``n`` matching requests get ``status`` (429: with a ``Retry-After`` header if
        ``retry_after`` is given, with ``retry-seconds`` in the body if ``body_retry_seconds`` is)."""
        self._faults.add_failure(
            FaultRule(
                n,
                method,
                path_prefix,
                status=status,
                retry_after=retry_after,
                body_retry_seconds=body_retry_seconds,
            )
        )

    def hang_next(
        self, n: int, seconds: float, *, method: str | None = None, path_prefix: str | None = None
    ) -> None:
        """The next ``n`` matching requests wait ``seconds`` before being answered."""
        self._faults.add_hang(FaultRule(n, method, path_prefix, hang_seconds=seconds))

    # -- recording ----------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        return self._recorder.calls()

    @property
    def invalid_requests(self) -> list[Call]:
        return self._recorder.invalid()

    @property
    def response_problems(self) -> list[str]:
        """Responses the spec refuses (only with ``validate_responses=True``)."""
        with self._problems_lock:
            return list(self._response_problems)

    def calls_to(self, method: str | None = None, path_prefix: str = "") -> list[Call]:
        return [
            c
            for c in self.calls
            if (method is None or c.method == method.upper()) and c.path.startswith(path_prefix)
        ]

    def assert_all_requests_valid(self) -> None:
        invalid = self.invalid_requests
        assert not invalid, f"invalid requests sent to fake Mailgun ({self.region}):\n{describe(invalid)}"

    def reset(self, *, state: bool = True) -> None:
        """Forget calls, invalid requests, response problems and pending faults; and the seeded
        and accumulated state unless ``state=False`` (domains are kept)."""
        self._recorder.clear()
        self._faults.clear()
        with self._problems_lock:
            self._response_problems.clear()
        if state:
            self.state.clear()

    # -- request handling ---------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        request.get_data(cache=True)  # keep the body readable for validation, handler and recording
        response, problem = self._handle(request)
        self._recorder.add(make_call(request, response.status_code, problem))
        return response(environ, start_response)

    def _authorized(self, request: Request) -> bool:
        auth = request.authorization
        return (
            auth is not None
            and auth.type == "basic"
            and auth.username == "api"
            and auth.password == self.api_key
        )

    def _handle(self, request: Request) -> tuple[Response, str | None]:
        if not self._authorized(request):
            return Response("Forbidden", 401, mimetype="text/plain"), None
        problem = spec.request_problem(request, self.region) if self.validate_requests else None
        hang = self._faults.take_hang(request.method, request.path)
        if hang and self._stopping.wait(hang):
            return json_response({"message": "fake Mailgun stopped"}, 503), problem
        fault = self._faults.take_failure(request.method, request.path)
        if fault is not None:
            return fault.failure_response(), problem
        if problem is not None:
            body = {"message": problem}
            if "/webhooks" in request.path:
                body["Reason"] = problem
            response = json_response(body, 400)
        else:
            response, problem = self._dispatch(request)
        if self.validate_responses and response.status_code != 401:
            bad = spec.response_problem(request, response, self.region)
            if bad is not None:
                with self._problems_lock:
                    self._response_problems.append(
                        f"{request.method} {request.path} -> {response.status_code}: {bad}"
                    )
        return response, problem

    def _dispatch(self, request: Request) -> tuple[Response, str | None]:
        try:
            endpoint, args = self._map.bind_to_environ(request.environ).match()
        except HTTPException:
            message = f"fake Mailgun does not implement {request.method} {request.path}"
            return json_response({"message": message}, 501), None
        domain = args.get("domain")
        if domain is not None and not self.state.has_domain(domain):
            return json_response({"message": "Domain not found"}, 404), None
        owner = self.state.subaccounts.get((domain or "").lower())
        if owner is not None and request.headers.get("X-Mailgun-On-Behalf-Of") != owner:
            return json_response({"message": "Domain not found"}, 404), None  # not the parent's own domain
        try:
            return endpoint(Ctx(request, dict(args), self.url), self.state), None
        except ApiError as err:
            return err.response(), (err.message if err.invalid else None)
