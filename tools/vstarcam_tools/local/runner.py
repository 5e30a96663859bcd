"""The local stack's orchestration: the template's resources, servers, routes, schedules, streams.

Everything comes from ``template.yaml`` through :class:`vstarcam_tools.template.Stack`:
the tables, bucket, topic and queue (created in moto by
``provision.create_resources``), each function's environment, the HTTP API
routes, the schedule and the stream subscriptions with their filters, and the
outputs, which are published to a CloudFormation stack in moto so the CLI finds
them as it finds a deployed stack's.

This module is the orchestration only: the emulated services are
:mod:`~vstarcam_tools.local.moto_server` (with :mod:`~vstarcam_tools.local.guard` in
front), :mod:`~vstarcam_tools.local.sns_watcher`, the stream and queue event sources
and the function pools; the sockets are :mod:`~vstarcam_tools.local.network`; what the
terminal shows is :mod:`~vstarcam_tools.local.report`.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vstarcam_tools.events import scheduled_event
from vstarcam_tools.function_urls import function_url_event, function_url_targets
from vstarcam_tools.local import inbox, stream_shards
from vstarcam_tools.local.async_invoke import (
    RETRY_DELAYS_S,
    AsyncConfig,
    AsyncInvocations,
    LambdaInvokeRoute,
)
from vstarcam_tools.local.console import (
    COGNITO_PATH,
    CONSOLE_USER,
    CognitoPath,
    JwtAuthorizer,
    SignInRules,
    authorizers_of,
    console_password,
    create_console_user,
    jwks_url,
    make_admin,
)
from vstarcam_tools.local.guard import (
    MOTO_API_KEY_VARIABLE,
    EmulatorGuard,
    HostCheck,
    own_origins,
)
from vstarcam_tools.local.http_api import AwsSdkHint, HttpApi, routes_of
from vstarcam_tools.local.moto_server import (
    DUMMY_CREDENTIALS,
    MotoSession,
    ShardIteratorJanitor,
    challenge_names_session_user,
    moto_app,
    moto_request_handler,
    revoke_refresh_token,
    sns_backend,
)
from vstarcam_tools.local.network import ThreadedServer, bind, reachable_host, url_host
from vstarcam_tools.local.one_time_schedules import OneTimeSchedules
from vstarcam_tools.local.queues import QueueEventSource, SqsMappingConfig
from vstarcam_tools.local.report import (
    clean,
    configure_logging,
    print_banner,
    request_logger,
)
from vstarcam_tools.local.schedule import Schedule, parse_rate
from vstarcam_tools.local.sns_watcher import SnsWatcher
from vstarcam_tools.local.stack_outputs import PublishedStack, StackOutputsRoute
from vstarcam_tools.local.state import LocalState, keeps_console_user
from vstarcam_tools.local.streams import FunctionError, MappingConfig, StreamEventSource
from vstarcam_tools.local.workers import FunctionPool, close_pools, pool_size
from vstarcam_tools.outputs import publish_outputs
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import FunctionSpec, Stack

logger = logging.getLogger("vstarcam_tools.local")

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
    # One-time schedules (push retries) fire this long before they are due (tests).
    one_time_schedules_early_s: float = 0.0
    # The wait before each of Lambda's two retries of a failed asynchronous invocation
    # (None: Lambda's 60 and 120 s; tests make it short).
    async_retry_s: float | None = None
    concurrency: int = 4
    verbose: bool = False
    log_dir: Path | None = None
    # The console user admin's password (None: a random one, shown at start).
    console_password: str | None = None
    # Where the state is kept across restarts (None: nowhere); fresh: start empty.
    state_dir: Path | None = None
    fresh: bool = False


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
        # Lambda's asynchronous invocations and Scheduler's one-time schedules (the push
        # deliveries and their retries).
        self.function_names = {
            self.stack.physical_name(logical_id): logical_id
            for logical_id in self.stack.resources("AWS::Serverless::Function")
        }
        self.invocations = AsyncInvocations(
            self._run_function,
            {
                logical_id: AsyncConfig.from_sam(
                    self.stack.template["Resources"][logical_id]["Properties"].get(
                        "EventInvokeConfig"
                    )
                )
                for logical_id in self.function_names.values()
            },
            retry_delays_s=RETRY_DELAYS_S
            if options.async_retry_s is None
            else (options.async_retry_s,) * len(RETRY_DELAYS_S),
        )
        self.one_time_schedules: OneTimeSchedules | None = None
        self.outputs: dict[str, str] = {}
        self._moto: ThreadedServer | None = None
        self._api: ThreadedServer | None = None
        self._sns: SnsWatcher | None = None
        self._janitor: ShardIteratorJanitor | None = None
        self._temporary_logs = options.log_dir is None
        self.log_dir = options.log_dir or Path(tempfile.mkdtemp(prefix="vstarcam-push-local-"))
        self.endpoint = ""
        self.base_url = ""
        self.console_password = console_password(options.console_password)
        self.state: LocalState | None = None
        if options.state_dir is not None:
            self.state = LocalState(options.state_dir, fresh=options.fresh)
        # The sign-in rules of the template's app clients, by client id (known once made).
        self.sign_in_rules: dict[str, SignInRules] = {}
        # The key to moto's own API (local/guard.py); never printed.
        self._moto_api_key = os.environ.get(MOTO_API_KEY_VARIABLE) or secrets.token_urlsafe(32)

    def start(self) -> None:
        options = self.options
        aws_socket = bind("127.0.0.1", options.aws_port, "--aws-port")
        try:
            api_socket = bind(options.host, options.port, "--port")
        except BaseException:
            aws_socket.close()
            raise
        # Known before the functions start: the notifier's media links point here.
        api_port = api_socket.getsockname()[1]
        self.base_url = f"http://{url_host(reachable_host(options.host))}:{api_port}"
        # The servers serve duplicates of the sockets: these are closed whatever happens.
        aws_port = aws_socket.getsockname()[1]
        origins = own_origins(self.base_url, api_port)
        with aws_socket, api_socket:
            if self.state is not None:
                self.state.open()  # the last run's state, into moto, before it serves
            stream_shards.install()  # a table's stream goes on whatever moto does to it
            # Both servers answer only requests addressed to them (no DNS rebinding), and
            # moto only the stack's own clients, never a web page (local/guard.py); what
            # its requests change is saved (local/state.py).
            app = self.state.track(moto_app()) if self.state else moto_app()
            # The Lambda API's Invoke of the stack's own functions (moto cannot run them).
            app = LambdaInvokeRoute(app, self.invocations, self.function_names, self._run_function)
            # The stack's DescribeStacks, without moto's CloudFormation (local/stack_outputs.py).
            self._stack_outputs = app = StackOutputsRoute(app)
            moto = HostCheck(
                EmulatorGuard(app, lambda: origins, self._moto_api_key),
                "127.0.0.1",
                aws_port,
            )
            self._moto = ThreadedServer(aws_socket, moto, moto_request_handler())
            self._moto.start()
            self.endpoint = f"http://127.0.0.1:{self._moto.port}"
            aws = MotoSession(self.endpoint, self.stack.region)
            inbox.keep_email_subscriptions_pending()
            sns = sns_backend(self.stack.account, self.stack.region)
            pending = inbox.pending(sns)  # a restored subscription waits for its owner still
            create_resources(self.stack, aws)
            for confirmed in inbox.confirm_all(sns, keep=pending):
                logger.info(
                    "SNS   %s subscription %s confirmed (the local stack has no mailbox)",
                    confirmed.protocol,
                    confirmed.endpoint,
                )
            self._create_console_user(aws)
            self.sign_in_rules = self._sign_in_rules()
            functions = self.stack.functions()
            self._start_pools(functions)
            routes = routes_of(functions)
            api = HttpApi(
                routes,
                lambda function, event: self.pools[function].invoke(event),
                api_id=_API_ID,
                account=self.stack.account,
                on_request=request_logger(routes),
                authorizers=self._authorizers(),
                function_urls=self._function_urls(),
            )
            # The console page reaches moto's Cognito on its own origin (no CORS), with
            # the sign-in the template's app client allows and nothing else.
            cognito = CognitoPath(
                AwsSdkHint(api, self.endpoint),
                self.endpoint,
                self.sign_in_rules,
                revoke=lambda token, client: revoke_refresh_token(
                    self.stack.account, self.stack.region, token, client
                ),
                session_user=lambda session, username: challenge_names_session_user(
                    self.stack.account, self.stack.region, session, username
                ),
            )
            # Answered only when addressed to this server (no DNS rebinding, local/guard.py).
            self._api = ThreadedServer(api_socket, HostCheck(cognito, options.host, api_port))
        self.outputs = local_outputs(self.stack, self.base_url)
        self._stack_outputs.publish(
            PublishedStack(
                self.stack.name,
                self.stack.region,
                self.stack.account,
                self.outputs,
                dict(self.stack.parameters),
            ),
            lambda published: publish_outputs(
                aws.client("cloudformation"),
                published.name,
                published.outputs,
                published.parameters,
            ),
        )
        self._add_event_sources(functions, aws)
        self._start_async(aws)
        self._sns = SnsWatcher(self.stack.account, self.stack.region)
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
        if self.state is not None:
            mappings = list(self.mappings)
            self.state.positions = lambda: {m.name: m.positions for m in mappings}
            self.state.start()

    def _run_function(self, logical_id: str, event: Any) -> tuple[Any, dict[str, Any] | None]:
        """One invocation on the function's pool; what it says for people is printed."""
        invocation = self.pools[logical_id].invoke(event)
        for line in invocation.notices:
            logger.info("%s", clean(line))
        return invocation.payload, invocation.error

    def _start_async(self, aws: MotoSession) -> None:
        """Asynchronous invocations' on-failure destinations, and the watcher that fires the
        one-time schedules of the template's schedule groups."""
        self.invocations._sns, self.invocations._sqs = aws.client("sns"), aws.client("sqs")
        for logical_id in self.function_names.values():
            config = self.invocations.configs[logical_id]
            if config.on_failure_arn:
                destination = self.stack.properties(logical_id)["EventInvokeConfig"]
                arn = destination["DestinationConfig"]["OnFailure"]["Destination"]
                self.invocations.configs[logical_id] = AsyncConfig(config.retries, arn)
        self.invocations.function_arns = {
            logical_id: self._function_arn(spec)
            for logical_id, spec in self.stack.functions().items()
        }
        groups = [
            self.stack.physical_name(logical_id)
            for logical_id in self.stack.resources("AWS::Scheduler::ScheduleGroup")
        ]
        if groups:
            self.one_time_schedules = OneTimeSchedules(
                aws.client("scheduler"),
                groups,
                self._hand_over,
                sqs=aws.client("sqs"),
                early_s=self.options.one_time_schedules_early_s,
            )
            self.one_time_schedules.start()

    def _hand_over(self, target_arn: str, payload: Any) -> bool:
        """A schedule's target: one of the stack's functions, invoked asynchronously."""
        name = target_arn.split(":function:")[-1].split(":")[0]
        function = self.function_names.get(name)
        if function is None or function not in self.pools:
            return False
        self.invocations.submit(function, payload)
        return True

    def _create_console_user(self, aws: MotoSession) -> None:
        cognito = aws.client("cognito-idp")
        for logical_id in self.stack.resources("AWS::Cognito::UserPool"):
            pool = self.stack.physical_name(logical_id)
            if self.state and keeps_console_user(
                cognito, pool, CONSOLE_USER, self.options.console_password
            ):
                self.console_password = ""  # unchanged since the last run; not shown
                make_admin(cognito, pool)
                continue
            create_console_user(cognito, pool, self.console_password)

    def _sign_in_rules(self) -> dict[str, SignInRules]:
        """What each of the template's app clients allows (ExplicitAuthFlows, its pool's MFA)."""
        rules = {}
        for logical_id in self.stack.resources("AWS::Cognito::UserPoolClient"):
            client = self.stack.properties(logical_id)
            pools = self.stack.resources("AWS::Cognito::UserPool")
            pool = next(
                (
                    self.stack.properties(pool_id)
                    for pool_id in pools
                    if self.stack.physical_name(pool_id) == client.get("UserPoolId")
                ),
                {},
            )
            client_id = self.stack.physical_name(logical_id)
            rules[client_id] = SignInRules.of(client_id, client, pool)
        return rules

    def _authorizers(self) -> dict[str, Any]:
        """The template's JWT authorizers, checking tokens against moto's JWKS."""
        found: dict[str, Any] = {}
        for logical_id in self.stack.resources("AWS::Serverless::HttpApi"):
            for name, config in authorizers_of(self.stack.properties(logical_id)).items():
                found[name] = JwtAuthorizer(config, jwks_url(self.endpoint, config.issuer)).claims
        return found

    def _function_urls(self) -> Any:
        """CameraEndpoint=FunctionUrl: the camera functions get their URL's event shape."""
        targets = function_url_targets(self.stack)
        if not targets:
            return None

        def shape(function: str, event: dict[str, Any]) -> dict[str, Any]:
            if function not in targets:
                return event
            return function_url_event(event, function.lower(), self.stack.region)

        return shape

    def _start_pools(self, functions: dict[str, FunctionSpec]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for logical_id, spec in functions.items():
            self.pools[logical_id] = FunctionPool(
                spec,
                function_environment(spec, self.endpoint, self.stack.region, self.base_url),
                max_workers=pool_size(spec, self.options.concurrency),
                log_file=None if self.options.verbose else self.log_dir / f"{logical_id}.log",
                function_arn=self._function_arn(spec),
            )

    def _add_event_sources(self, functions: dict[str, FunctionSpec], aws: MotoSession) -> None:
        """The stream subscriptions and schedules of the template's functions."""
        streams, sqs = aws.client("dynamodbstreams"), aws.client("sqs")
        # Each stream subscription goes on where the last run left off (local/state.py).
        kept = self.state.restored_positions() if self.state else {}
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
                            sns=aws.client("sns"),
                            function_arn=self._function_arn(spec),
                            name=f"{logical_id}.{event_name}",
                            positions=kept.get(f"{logical_id}.{event_name}"),
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
        if self.one_time_schedules is not None:
            self.one_time_schedules.stop()
        self.invocations.stop()
        for mapping in self.mappings:
            mapping.stop()
        for queue in self.queues:
            queue.stop()
        close_pools(self.pools.values())
        if self._sns is not None:
            self._sns.stop()
        if self._janitor is not None:
            self._janitor.stop()
        if self.state is not None:
            self.state.close()  # the last snapshot, once nothing but the CLI talks to moto
        if self._moto is not None:
            self._moto.stop()
        if self._temporary_logs:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def _function_arn(self, spec: FunctionSpec) -> str:
        return f"arn:aws:lambda:{self.stack.region}:{self.stack.account}:function:{spec.name}"

    def _stream_handler(self, logical_id: str) -> Any:
        """The function behind a stream or a queue. What it says for people (a notification
        held back and why, each push's outcome and why) is printed here, cleaned like every
        printed value, since this console stands in for the phone."""
        pool = self.pools[logical_id]

        def handler(event: dict[str, Any]) -> Any:
            invocation = pool.invoke(event)
            for line in invocation.notices:
                logger.info("%s", clean(line))
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


# The API's URL, and (CameraEndpoint=FunctionUrl) the camera functions' URLs: all served by
# the local HTTP API.
_EXECUTE_API = re.compile(
    r"https://[^/]+\.execute-api\.[^/]+\.amazonaws\.com|https://[^/]+\.lambda-url\.[^/]+\.on\.aws"
)
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
        # Web push devices on this machine (a fake push service on 127.0.0.1, or a browser's
        # test endpoint): the local stack alone allows loopback endpoints; the deployed
        # template never sets this (models/push_endpoint.py).
        "WEB_PUSH_ALLOW_LOOPBACK": "true",
    }


def local_outputs(stack: Stack, base_url: str) -> dict[str, str]:
    """The stack's outputs with the API Gateway URLs pointing at the local HTTP API.

    The local HTTP API is plain HTTP already, so it also stands in for the plain-HTTP
    front door (the CloudFront distribution) when the stack has one.
    """
    for logical_id in stack.resources("AWS::CloudFront::Distribution"):
        stack.attributes[(logical_id, "DomainName")] = urlsplit(base_url).netloc
    return {name: _EXECUTE_API.sub(base_url, value) for name, value in stack.outputs().items()}


# -- the command -------------------------------------------------------------------


def run_local(options: Options) -> int:
    """Start the local stack, print its URLs, serve until SIGINT or SIGTERM; 0 on a clean stop."""
    configure_logging(options.verbose)
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
        print_banner(local)
        while not stopping.wait(0.5):
            pass
        print("Stopping the local stack...", flush=True)
        return 0
    finally:
        if local is not None:
            local.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
