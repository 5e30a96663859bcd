"""The local stack: moto in server mode, the template's resources, routes, schedules and streams.

Everything comes from ``template.yaml`` through :class:`vstarcam_tools.template.Stack`:
the tables, bucket, topic and queue (created in moto by
``provision.create_resources``), each function's environment, the HTTP API
routes, the schedule and the stream subscriptions with their filters, and the
outputs, which are published to a CloudFormation stack in moto so the CLI finds
them as it finds a deployed stack's.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from werkzeug.serving import BaseWSGIServer, make_server

from vstarcam_tools.events import scheduled_event
from vstarcam_tools.local import inbox
from vstarcam_tools.local.console import (
    COGNITO_PATH,
    CONSOLE_USER,
    CognitoPath,
    JwtAuthorizer,
    authorizers_of,
    console_password,
    create_console_user,
    jwks_url,
)
from vstarcam_tools.local.guard import HostCheck, OwnOriginCors, own_origins
from vstarcam_tools.local.http_api import HttpApi, RequestRecord, routes_of
from vstarcam_tools.local.queues import QueueEventSource, SqsMappingConfig
from vstarcam_tools.local.schedule import Schedule, parse_rate
from vstarcam_tools.local.streams import FunctionError, MappingConfig, StreamEventSource
from vstarcam_tools.local.workers import FunctionPool
from vstarcam_tools.outputs import publish_outputs
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import FunctionSpec, Stack

logger = logging.getLogger("vstarcam_tools.local")

# moto accepts any credentials; fixed dummy ones keep real ones out of the functions.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
_SNS_POLL_S = 0.2
_API_ID = "local"


@dataclass(frozen=True)
class Options:
    host: str = "127.0.0.1"
    port: int = 3000
    aws_port: int = 4566
    stack_name: str = "vstarcam-push"
    region: str = "us-east-1"
    overrides: dict[str, str] | None = None
    schedule_rate_s: float | None = None
    concurrency: int = 4
    verbose: bool = False
    log_dir: Path | None = None
    # The console user admin's password (None: a random one, shown at start).
    console_password: str | None = None


class LocalStack:
    """The running local stack; :meth:`start` brings it up, :meth:`close` stops everything."""

    def __init__(self, options: Options) -> None:
        self.options = options
        # Parameters and schedules are checked before any port is taken.
        self.stack = Stack(
            name=options.stack_name, region=options.region, overrides=options.overrides or {}
        )
        if options.schedule_rate_s is None:
            # Only the schedules: other events name resources that do not exist yet.
            for function in self.stack.resources("AWS::Serverless::Function").values():
                for event in function["Properties"].get("Events", {}).values():
                    if event.get("Type") == "Schedule":
                        parse_rate(str(self.stack.resolve(event["Properties"]["Schedule"])))
        self.pools: dict[str, FunctionPool] = {}
        self.mappings: list[StreamEventSource] = []
        self.queues: list[QueueEventSource] = []
        self.schedules: list[Schedule] = []
        self.outputs: dict[str, str] = {}
        self._moto: _Server | None = None
        self._api: _Server | None = None
        self._sns: _SnsWatcher | None = None
        self._janitor: ShardIteratorJanitor | None = None
        self._temporary_logs = options.log_dir is None
        self.log_dir = options.log_dir or Path(tempfile.mkdtemp(prefix="vstarcam-push-local-"))
        self.endpoint = ""
        self.base_url = ""
        self.console_password = console_password(options.console_password)

    def start(self) -> None:
        options = self.options
        aws_socket = _bind("127.0.0.1", options.aws_port, "--aws-port")
        try:
            api_socket = _bind(options.host, options.port, "--port")
        except BaseException:
            aws_socket.close()
            raise
        # Known before the functions start: the notifier's media links point here.
        api_port = api_socket.getsockname()[1]
        self.base_url = f"http://{_url_host(reachable_host(options.host))}:{api_port}"
        # The servers serve duplicates of the sockets: these are closed whatever happens.
        aws_port = aws_socket.getsockname()[1]
        origins = own_origins(self.base_url, api_port)
        with aws_socket, api_socket:
            # Both servers answer only requests addressed to them (no DNS rebinding), and
            # moto's CORS only the local API's own pages calling Cognito (local/guard.py).
            moto = HostCheck(OwnOriginCors(_moto_app(), lambda: origins), "127.0.0.1", aws_port)
            self._moto = _Server(aws_socket, moto, _moto_request_handler())
            self._moto.start()
            self.endpoint = f"http://127.0.0.1:{self._moto.port}"
            aws = MotoSession(self.endpoint, self.stack.region)
            inbox.keep_email_subscriptions_pending()
            create_resources(self.stack, aws)
            for confirmed in inbox.confirm_all(_sns_backend(self.stack.account, self.stack.region)):
                logger.info(
                    "SNS   %s subscription %s confirmed (the local stack has no mailbox)",
                    confirmed.protocol,
                    confirmed.endpoint,
                )
            self._create_console_user(aws)
            functions = self.stack.functions()
            self._start_pools(functions)
            api = HttpApi(
                routes_of(functions),
                lambda function, event: self.pools[function].invoke(event),
                api_id=_API_ID,
                account=self.stack.account,
                on_request=_log_request,
                authorizers=self._authorizers(),
            )
            # The console page reaches moto's Cognito on its own origin (no CORS).
            # Answered only when addressed to this server (no DNS rebinding, local/guard.py).
            self._api = _Server(
                api_socket, HostCheck(CognitoPath(api, self.endpoint), options.host, api_port)
            )
        self.outputs = local_outputs(self.stack, self.base_url)
        publish_outputs(
            aws.client("cloudformation"), self.stack.name, self.outputs, self.stack.parameters
        )
        self._add_event_sources(functions, aws)
        self._sns = _SnsWatcher(self.stack.account, self.stack.region)
        self._janitor = ShardIteratorJanitor(
            self.stack.account,
            self.stack.region,
            keep=lambda: {i for mapping in self.mappings for i in mapping.shard_iterators},
        )
        self._api.start()
        for mapping in self.mappings:
            mapping.start()
        for queue in self.queues:
            queue.start()
        for schedule in self.schedules:
            schedule.start()
        self._sns.start()
        self._janitor.start()

    def _create_console_user(self, aws: MotoSession) -> None:
        for logical_id in self.stack.resources("AWS::Cognito::UserPool"):
            create_console_user(
                aws.client("cognito-idp"),
                self.stack.physical_name(logical_id),
                self.console_password,
            )

    def _authorizers(self) -> dict[str, Any]:
        """The template's JWT authorizers, checking tokens against moto's JWKS."""
        found: dict[str, Any] = {}
        for logical_id in self.stack.resources("AWS::Serverless::HttpApi"):
            for name, config in authorizers_of(self.stack.properties(logical_id)).items():
                found[name] = JwtAuthorizer(config, jwks_url(self.endpoint, config.issuer)).claims
        return found

    def _start_pools(self, functions: dict[str, FunctionSpec]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for logical_id, spec in functions.items():
            self.pools[logical_id] = FunctionPool(
                spec,
                function_environment(spec, self.endpoint, self.stack.region, self.base_url),
                max_workers=self.options.concurrency,
                log_file=None if self.options.verbose else self.log_dir / f"{logical_id}.log",
                function_arn=self._function_arn(spec),
            )

    def _add_event_sources(self, functions: dict[str, FunctionSpec], aws: MotoSession) -> None:
        """The stream subscriptions and schedules of the template's functions."""
        streams, sqs = aws.client("dynamodbstreams"), aws.client("sqs")
        for logical_id, spec in functions.items():
            for event_name, event in spec.events.items():
                properties = event.get("Properties", {})
                if event.get("Type") == "DynamoDB":
                    self.mappings.append(
                        StreamEventSource(
                            streams,
                            properties["Stream"],
                            self._stream_handler(logical_id),
                            MappingConfig.from_sam(properties),
                            sqs=sqs,
                            function_arn=self._function_arn(spec),
                            name=f"{logical_id}.{event_name}",
                        )
                    )
                elif event.get("Type") == "Schedule":
                    self.schedules.append(self._schedule(logical_id, event_name, properties))
                elif event.get("Type") == "SQS":
                    self.queues.append(
                        QueueEventSource(
                            sqs,
                            properties["Queue"],
                            self._stream_handler(logical_id),
                            SqsMappingConfig.from_sam(properties),
                            name=f"{logical_id}.{event_name}",
                        )
                    )

    def close(self) -> None:
        """Stop serving, then the schedules, streams, workers and moto, in that order."""
        if self._api is not None:
            self._api.stop()
        for schedule in self.schedules:
            schedule.stop()
        for mapping in self.mappings:
            mapping.stop()
        for queue in self.queues:
            queue.stop()
        for pool in self.pools.values():
            pool.close()
        if self._sns is not None:
            self._sns.stop()
        if self._janitor is not None:
            self._janitor.stop()
        if self._moto is not None:
            self._moto.stop()
        if self._temporary_logs:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def _function_arn(self, spec: FunctionSpec) -> str:
        return f"arn:aws:lambda:{self.stack.region}:{self.stack.account}:function:{spec.name}"

    def _stream_handler(self, logical_id: str) -> Any:
        """The function behind a stream or a queue. What it says for people (a notification
        held back and why, each push's outcome and why) is printed here, since this console
        stands in for the phone."""
        pool = self.pools[logical_id]

        def handler(event: dict[str, Any]) -> Any:
            invocation = pool.invoke(event)
            for line in invocation.notices:
                logger.info("%s", line)
            if invocation.error is not None:
                raise FunctionError(
                    f"{invocation.error.get('errorType')}: {invocation.error.get('errorMessage')}"
                )
            return invocation.payload

        return handler

    def _schedule(self, logical_id: str, event_name: str, properties: dict[str, Any]) -> Schedule:
        period = self.options.schedule_rate_s or parse_rate(str(properties["Schedule"]))
        rule = f"{self.stack.name}-{logical_id}{event_name}"
        rule_arn = f"arn:aws:events:{self.stack.region}:{self.stack.account}:rule/{rule}"
        pool = self.pools[logical_id]

        def invoke(event: dict[str, Any]) -> None:
            invocation = pool.invoke(event)
            if invocation.error is not None:
                logger.warning(
                    "schedule %s: %s failed: %s",
                    event_name,
                    logical_id,
                    invocation.error.get("errorMessage"),
                )
            else:
                logger.debug("schedule %s: %s -> %s", event_name, logical_id, invocation.payload)

        return Schedule(
            f"{logical_id}.{event_name}",
            period,
            lambda: scheduled_event(rule_arn, self.stack.region, self.stack.account),
            invoke,
        )

    def describe_schedules(self) -> list[str]:
        return [f"{s.name} every {s.period_s:g} s" for s in self.schedules]


_EXECUTE_API = re.compile(r"https://[^/]+\.execute-api\.[^/]+\.amazonaws\.com")
_COGNITO = re.compile(r"https://cognito-idp\.[^/]+\.amazonaws\.com/")
_S3_HOST = re.compile(r"https://[^/]+\.s3\.[^/]+\.amazonaws\.com")


def function_environment(
    spec: FunctionSpec, endpoint: str, region: str, base_url: str = ""
) -> dict[str, str]:
    """The function's variables from the template, plus what Lambda sets, aimed at moto
    (and, with ``base_url``, the API's own URL aimed at the local HTTP API)."""
    variables = {
        name: _EXECUTE_API.sub(base_url, value) if base_url else value
        for name, value in spec.environment.items()
    }
    # The console's sign-in goes to the local API's Cognito path, its media to moto's S3.
    variables = {
        name: _S3_HOST.sub(endpoint, _COGNITO.sub(COGNITO_PATH, value))
        for name, value in variables.items()
    }
    return {
        **variables,
        **DUMMY_CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        # Real configuration files must not reach the functions (profiles, endpoints).
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "TZ": "UTC",
    }


def local_outputs(stack: Stack, base_url: str) -> dict[str, str]:
    """The stack's outputs with the API Gateway URLs pointing at the local HTTP API.

    The local HTTP API is plain HTTP already, so it also stands in for the plain-HTTP
    front door (the CloudFront distribution) when the stack has one.
    """
    for logical_id in stack.resources("AWS::CloudFront::Distribution"):
        stack.attributes[(logical_id, "DomainName")] = urlsplit(base_url).netloc
    return {name: _EXECUTE_API.sub(base_url, value) for name, value in stack.outputs().items()}


class MotoSession:
    """A boto3-session look-alike whose clients all talk to the moto server."""

    def __init__(self, endpoint: str, region: str) -> None:
        # Explicit dummy keys, region and endpoint: the operator's credentials, profile
        # region and endpoints never apply.
        self._session = boto3.Session(
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=region,
        )
        self.endpoint = endpoint
        self.region_name = region

    def client(self, service: str, **kwargs: Any) -> Any:
        kwargs.setdefault("region_name", self.region_name)
        return self._session.client(service, endpoint_url=self.endpoint, **kwargs)


def reachable_host(host: str) -> str:
    """The address cameras can use: the LAN address when listening on every interface."""
    if host not in ("0.0.0.0", "::", ""):
        return host
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            # A UDP connect only picks the outgoing interface; nothing is sent.
            probe.connect(("192.0.2.1", 9))
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _bind(host: str, port: int, option: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port} ({error.strerror}): pass {option}") from None
    return sock


def _moto_app() -> Any:
    """moto's server app, with its global CORS off.

    moto reads ``MOTO_DISABLE_GLOBAL_CORS`` once, when ``moto.settings`` is first
    imported, which may have happened already in this process: the server module's
    copy of the setting is set too, before any service's app is made.
    """
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    from moto.moto_server import werkzeug_app

    werkzeug_app.DISABLE_GLOBAL_CORS = True  # type: ignore[attr-defined]
    return werkzeug_app.DomainDispatcherApplication(werkzeug_app.create_backend_app)


def _moto_request_handler() -> Any:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    return MotoRequestHandler


class _Server:
    """A threaded werkzeug server on a duplicate of a socket bound (and closed) by the caller.

    moto's ThreadedMotoServer is made of the same parts, but binds in its own
    thread: a port in use leaves its ``start()`` waiting forever.
    """

    def __init__(self, sock: socket.socket, app: Any, handler: Any = None) -> None:
        host, port = sock.getsockname()[:2]
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=handler, fd=sock.fileno()
        )
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()


class ShardIteratorJanitor:
    """Expires moto's DynamoDB Streams shard iterators after 15 minutes, as AWS does.

    moto keeps every iterator it ever handed out, and each stream poll hands
    out one: about 1 GB a day for the two stream subscriptions of an idle stack.
    The iterators ``keep()`` returns (the ones the stream subscriptions hold,
    however long a retry took) are never expired.
    """

    def __init__(
        self,
        account: str,
        region: str,
        keep: Callable[[], set[str]] = set,
        expiry_s: float = 900.0,
        period_s: float = 60.0,
    ) -> None:
        from moto.dynamodbstreams.models import ShardIterator, dynamodbstreams_backends

        self._iterators: dict[str, Any] = dynamodbstreams_backends[account][region].shard_iterators
        self._tracked: list[Any] = ShardIterator.instances_tracked  # type: ignore[attr-defined]
        self._keep = keep
        self.expiry_s = expiry_s
        self.period_s = period_s
        self._first_seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="iterator-janitor", daemon=True)

    def sweep(self, now: float) -> int:
        """Forget the iterators first seen more than ``expiry_s`` ago; returns how many."""
        current = list(self._iterators)
        first_seen = {key: self._first_seen.get(key, now) for key in current}
        kept = self._keep()
        expired = [
            key
            for key, seen in first_seen.items()
            if now - seen > self.expiry_s and key not in kept
        ]
        for key in expired:
            self._iterators.pop(key, None)
            del first_seen[key]
        self._first_seen = first_seen
        # moto's list of every instance only feeds its dashboard; the live iterators
        # stay reachable through the backend.
        self._tracked.clear()
        return len(expired)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            self.sweep(time.monotonic())


class _SnsWatcher:
    """Logs every message the SNS topics received, read from moto's record of them."""

    def __init__(self, account: str, region: str) -> None:
        self._backend = _sns_backend(account, region)
        self._seen: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sns-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._report()

    def _run(self) -> None:
        while not self._stop.wait(_SNS_POLL_S):
            self._report()

    def _report(self) -> None:
        for arn, topic in list(self._backend.topics.items()):
            sent = topic.sent_notifications
            start = self._seen.get(arn, 0)
            self._seen[arn] = len(sent)
            for _, message, subject, attributes, _ in sent[start : len(sent)]:
                logger.info("%s", describe_notification(message, subject, attributes or {}))
                # Who AWS would have emailed or texted (their filter policies applied).
                vuid = ((attributes or {}).get("vuid") or {}).get("Value", "-")
                for person in inbox.people_reached(self._backend, arn, message, attributes):
                    logger.info("%10s-> %s %s (%s)", "", person.protocol, person.endpoint, vuid)


def _sns_backend(account: str, region: str) -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[account][region]


def describe_notification(message: str, subject: str | None, attributes: dict[str, Any]) -> str:
    """A line for a published message: event, vuid and its SMS text (or subject); then the
    email's media links, each on its own line, since this console stands in for the inbox."""

    def attribute(name: str) -> str:
        value = attributes.get(name) or {}
        return str(value.get("Value") or value.get("StringValue") or "-")

    text, links = message, []
    try:
        document = json.loads(message)
        if isinstance(document, dict):
            text = str(document.get("sms") or document.get("default") or message)
            email = str(document.get("email") or "")
            links = [line for line in email.splitlines() if line.startswith("Open the ")]
    except ValueError:
        pass
    text = " ".join(text.split()) or (subject or "")
    line = f"SNS   {attribute('event'):<8} {attribute('vuid'):<16} {text}"
    return "\n".join([line, *(f"{'':>10}{link}" for link in links)])


def _log_request(record: RequestRecord) -> None:
    route = record.route.key if record.route else f"{record.method} {record.path}"
    cold = " (cold start)" if record.cold_start else ""
    detail = ""
    if record.error is not None:
        detail = f"  function error: {record.error.get('errorMessage', '')}"
    logger.info(
        "%-22s %-16s %d %6.0f ms%s%s",
        route,
        request_vuid(record.content_type, record.body),
        record.status,
        record.duration_ms,
        cold,
        detail,
    )


def request_vuid(content_type: str, body: bytes) -> str:
    """The vuid a heartbeat or alarm push names, for the log line; ``-`` if none can be read."""
    if not body:
        return "-"
    try:
        if "multipart/" in content_type.lower():
            from vstarcam_push.ingest.multipart import parse_form

            part = parse_form(body, content_type).get("vuid")
            vuid: Any = part.content.decode("ascii", "replace") if part else None
        else:
            document = json.loads(body)
            vuid = document.get("vuid") if isinstance(document, dict) else None
    except Exception:
        return "-"
    return str(vuid)[:32] if vuid else "-"


# -- the command -------------------------------------------------------------------


def run_local(options: Options) -> int:
    """Start the local stack, print its URLs, serve until SIGINT or SIGTERM; 0 on a clean stop."""
    _configure_logging(options.verbose)
    stopping = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stopping.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    local: LocalStack | None = None
    try:
        try:
            local = LocalStack(options)
            local.start()
        except (ValueError, OSError) as error:
            print(f"vstarcam-push local: error: {error}", file=sys.stderr, flush=True)
            return 1
        _print_banner(local)
        while not stopping.wait(0.5):
            pass
        print("Stopping the local stack...", flush=True)
        return 0
    finally:
        if local is not None:
            local.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _print_banner(local: LocalStack) -> None:
    options, outputs = local.options, local.outputs
    lines = [
        f"vstarcam-push local stack {local.stack.name!r} in {local.stack.region} (moto, no Docker)",
        f"Heartbeat URL: {outputs['HeartbeatUrl']} + /<the camera's push key>",
        f"Alarm URL: {outputs['AlarmUrl']} + /<the camera's push key>",
        f"AWS_ENDPOINT_URL={local.endpoint}",
    ]
    if "ConsoleUrl" in outputs:
        lines.append(
            f"Console: {outputs['ConsoleUrl']} "
            f"(user {CONSOLE_USER}, password {local.console_password})"
        )
    if options.host in ("0.0.0.0", "::", ""):
        lines.append(
            "Listening on every interface: set these URLs on your cameras (plain HTTP; "
            "use the address of this machine that the cameras can reach)."
        )
    lines += [
        "Use the CLI against it:",
        f"  export AWS_ENDPOINT_URL={local.endpoint} AWS_REGION={local.stack.region}",
        '  vstarcam-push cameras add VE0005622QHOW --name "Front door"',
        "  vstarcam-push cameras urls VE0005622QHOW   (the camera's own URLs, with its push key)",
        f"Schedules: {', '.join(local.describe_schedules()) or 'none'}",
        "Function logs: "
        + ("shown here (--verbose)" if options.verbose else f"{local.log_dir}/<Function>.log"),
        "Ready: requests and SNS notifications are logged below. Ctrl-C stops.",
    ]
    print("\n".join(lines), flush=True)


def _configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", datefmt="%H:%M:%S"))
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    # werkzeug would log every request to moto and to the API a second time.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
