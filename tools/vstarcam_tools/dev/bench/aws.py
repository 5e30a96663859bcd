"""The AWS the benchmarks talk to: a moto server on 127.0.0.1, never a real account."""

from __future__ import annotations

import contextlib
import logging
import os
import urllib.request
from collections.abc import Iterator

import boto3
from moto.server import ThreadedMotoServer

from vstarcam_tools.events import REGION
from vstarcam_tools.provision import create_resources
from vstarcam_tools.template import Stack

DUMMY_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def isolate_from_real_aws() -> None:
    """Dummy credentials for this process and every child it starts."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "POWERTOOLS_")):
            del os.environ[name]
    os.environ.update(DUMMY_ENVIRONMENT)


@contextlib.contextmanager
def environment(variables: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class MotoServer:
    """moto in server mode on a free loopback port; ``fresh_stack`` resets it to an empty stack."""

    def __init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def __enter__(self) -> MotoServer:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def __exit__(self, *_: object) -> None:
        self._server.stop()

    def session(self) -> boto3.Session:
        return boto3.Session(region_name=REGION)

    def fresh_stack(self) -> Stack:
        """Forget everything, then create the template's tables, bucket, topic and queue."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30):
            pass
        stack = Stack(region=REGION)
        with environment({"AWS_ENDPOINT_URL": self.url}):
            create_resources(stack, self.session())
        return stack
