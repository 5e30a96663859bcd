"""What every check reads: the stack (description, outputs, parameters), AWS clients, fleet."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import requests
from vstarcam_push.dal.camera_fleet import CameraFleet
from vstarcam_push.dal.camera_registry import CameraRegistry
from vstarcam_push.models.camera import Camera

from vstarcam_tools.outputs import StackOutputs
from vstarcam_tools.template import load_template

HTTP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Limits:
    """How long the doctor waits: for derived work (notification, media), and per HTTP request."""

    wait_s: float = 60.0
    http_timeout_s: float = HTTP_TIMEOUT_S
    poll_s: float = 0.5


# The local stack answers in milliseconds and asking it costs nothing: the doctor looks
# again five times as often (the notification, the thumbnail, the deliveries), instead of
# waiting up to half a second after each is there.
LOCAL_POLL_S = 0.1


# Template conditions that stand for one true/false parameter, which the stack outputs.
SWITCHES = {"HasPushChannels": "PushChannels"}


@dataclass
class DoctorContext:
    session: Any
    stack_name: str
    # The local stack (a loopback AWS_ENDPOINT_URL): plain HTTP by design.
    local: bool = False
    limits: Limits = field(default_factory=Limits)
    description: dict[str, Any] = field(default_factory=dict)
    outputs: StackOutputs | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict)
    _fleet: list[Camera] | None = None
    _http: requests.Session | None = None

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service)
        return self._clients[service]

    @property
    def stack(self) -> StackOutputs:
        """The outputs; only checks that run after the stack check succeeded read them."""
        if self.outputs is None:
            raise RuntimeError("the stack's outputs are not known")
        return self.outputs

    @property
    def region(self) -> str:
        return str(self.session.region_name)

    def cameras(self) -> CameraRegistry:
        return CameraRegistry(self.client("dynamodb"), self.stack.cameras_table)

    def fleet(self) -> list[Camera]:
        """Every registered camera (one scan, shared by the checks that need it)."""
        if self._fleet is None:
            self._fleet = CameraFleet(self.client("dynamodb"), self.stack.cameras_table).list()
        return self._fleet

    def forget_fleet(self) -> None:
        self._fleet = None

    @property
    def http(self) -> requests.Session:
        if self._http is None:
            self._http = requests.Session()
        return self._http

    def has_feature(self, logical_id: str) -> bool | None:
        """Whether the stack has the template resource ``logical_id``: True or False when the
        stack runs this CLI's template version (or a newer one), None when it is older and
        cannot tell (the stack check warns about that)."""
        from vstarcam_tools.doctor.stack import cli_template_version, version_tuple

        resource = load_template()["Resources"].get(logical_id)
        if resource is None:
            return False
        # A resource behind a stack switch (PushChannels) is absent when the
        # stack's output of that switch says "false".
        switch = SWITCHES.get(resource.get("Condition", ""))
        if switch and self.stack.raw.get(switch) == "false":
            return False
        deployed = self.stack.raw.get("TemplateVersion", "")
        return True if version_tuple(deployed) >= version_tuple(cli_template_version()) else None

    @property
    def topic_arns(self) -> list[str]:
        """The alarm topic and, in stacks from template 0.2.0 on, the operations topic."""
        operations = self.stack.raw.get("OperationsTopicArn")
        return [self.stack.topic_arn, *([operations] if operations else [])]

    @property
    def api_url(self) -> str:
        """The API's base URL (the media links start here): the console's, which is the
        API root; from the camera URL outputs for stacks without it (with
        CameraEndpoint=FunctionUrl those are the alarm function's own URL)."""
        console = self.stack.raw.get("ConsoleUrl")
        if console:
            return console.rstrip("/")
        return self.stack.alarm_url.rsplit("/alarm", 1)[0]

    @property
    def probe_queue_prefix(self) -> str:
        """Names of this stack's temporary queues: per topic, so two stacks never mix."""
        digest = hashlib.sha256(self.stack.topic_arn.encode()).hexdigest()[:8]
        return f"vstarcam-doctor-{digest}-"

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
