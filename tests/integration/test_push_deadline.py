"""One push send has a total deadline, and a delivery batch starts no send it cannot finish.

A server that answers one byte at a time never trips urllib3's read timeout (it applies
to each read), and held one delivery for 26 s of the delivery function's 30 s. Here a
slow-drip server on 127.0.0.1 drips its answer a byte every 50 ms for at most 3 s, in
the status line and headers or in the body; the deadline is made small (0.3 s) through
the delivery function's configuration (``PUSH_SEND_DEADLINE_SECONDS``). The assertions
are on outcomes, not times: a send cut by its deadline never gets the server's answer,
which the server finishes dripping only if nobody cut it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from vstarcam_push.delivery.channels import ChannelRequest
from vstarcam_push.delivery.channels.deadline import WatchedHTTPConnectionPool
from vstarcam_push.delivery.channels.transport import pool, send
from vstarcam_tools.events import LambdaContext, scheduled_event
from vstarcam_tools.local.queues import QueueEventSource

from tests.conftest import REGION, invoke
from tests.integration.conftest import Aws, DeliveryPath, LoadFunction, LogCapture, Pipeline
from tests.integration.test_push_delivery import Camera, Push, old_queue_messages
from tests.push_fakes import FakeNtfy, running

DRIP_EVERY_S = 0.05
DEADLINE_S = 0.3
ANSWER_BODY = b'{"ok":true,"dripped":"' + b"." * 40 + b'"}'


class SlowDrip:
    """An HTTP server that reads a request, then answers 200 one byte at a time: the status
    line and headers too (``headers``), or only the body (``body``). It stops when the
    client goes away, and notes whether it got to the end."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.finished: list[bool] = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/hook/secret-path"
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._answer, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(2)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                request += chunk
            head, body = request.split(b"\r\n\r\n", 1)
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            while len(body) < length:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                body += chunk
            headers = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(ANSWER_BODY)
            )
            if self.where == "body":
                connection.sendall(headers)
                dripped = ANSWER_BODY
            else:
                dripped = headers + ANSWER_BODY
            # At most 3 s (60 bytes), whatever the client does.
            for index in range(min(len(dripped), 60)):
                if self._stop.wait(DRIP_EVERY_S):
                    break
                try:
                    connection.sendall(dripped[index : index + 1])
                except OSError:
                    self.finished.append(False)
                    return
            else:
                if len(dripped) <= 60:
                    self.finished.append(True)
                    return
            self.finished.append(False)

    def __enter__(self) -> SlowDrip:
        self._accepting.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._listener.close()
        self._accepting.join(5)
        for thread in self._threads:
            thread.join(5)


def _cut(server: SlowDrip) -> bool:
    """Whether the server saw its answer cut short (bounded wait: the client's close
    reaches it within a drip or two)."""
    for _ in range(100):
        if server.finished:
            return server.finished == [False]
        time.sleep(DRIP_EVERY_S)
    return False


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_send_to_a_server_that_drips_its_answer_ends_at_its_deadline(where: str) -> None:
    """GIVEN a server that drips its answer (status line and headers, or the body) a byte
    every 50 ms, each byte well within urllib3's read timeout
    WHEN one send to it has a 0.3 s deadline
    THEN the send gives up with no status and says why, naming the host only, and the
    server's answer was cut short."""
    assert len(ANSWER_BODY) * DRIP_EVERY_S > 5 * DEADLINE_S
    with SlowDrip(where) as server:
        answer = send(pool(), ChannelRequest("POST", server.url, body=b"{}"), deadline_s=DEADLINE_S)

        assert answer.status == 0
        assert answer.error == "no whole answer within 0.3 s talking to 127.0.0.1"
        assert "secret-path" not in answer.error
        assert _cut(server)


def test_the_deadline_lets_a_prompt_server_answer_on_a_kept_alive_connection() -> None:
    """Sends to a server that answers at once are delivered under a deadline, twice on one
    pooled connection (the second reuses it), and the deadline's watchdog never cuts a
    connection after its send."""
    fake = FakeNtfy()
    http = pool()
    with running(fake):
        for _ in range(2):
            answer = send(http, ChannelRequest("POST", fake.url, body=b"hi"), deadline_s=DEADLINE_S)
            assert answer.status == 200 and not answer.error
        connection_pool = http.connection_from_url(fake.url)
    assert isinstance(connection_pool, WatchedHTTPConnectionPool)
    assert connection_pool.num_connections == 1 and connection_pool.num_requests == 2


@pytest.fixture
def push(aws: Aws, functions: LoadFunction, pipeline: Pipeline) -> Iterator[Push]:
    """The delivery function with a 0.3 s send deadline, set as configuration."""
    from vstarcam_push.dal.destinations import DestinationStore
    from vstarcam_push.dal.secrets import SecretStore

    delivery = functions("DeliveryFunction", PUSH_SEND_DEADLINE_SECONDS=str(DEADLINE_S))
    stack = aws.stack
    path = DeliveryPath(stack, delivery)
    path.attach(pipeline.notify.notifier.push._lambda)
    yield Push(
        stack=stack,
        aws=aws,
        delivery=delivery,
        path=path,
        destinations=DestinationStore(aws.dynamodb, stack.physical_name("DestinationsTable")),
        secrets=SecretStore(boto3.client("ssm", region_name=REGION), "/vstarcam-push/notify/"),
    )


def _batch(push: Push) -> dict[str, Any]:
    """What the notifier handed over, as the queue-based design's queue held it and Lambda's
    SQS event source passed it (the moments of an update before the mapping is removed)."""
    handed, push.path.pending = push.path.pending, []
    sqs = boto3.client("sqs", region_name=REGION)
    url = old_queue_messages(push, handed, receives=0)
    arn = push.stack.get_att("DeliveryQueue", "Arn")
    source = QueueEventSource(sqs, arn, lambda event: invoke(push.delivery, event))
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])[
        "Messages"
    ]
    return {"Records": [source._record(message) for message in messages]}


def test_the_delivery_function_cuts_a_slow_destination_at_its_deadline_and_retries_it(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, logs: LogCapture
) -> None:
    """GIVEN a webhook destination whose server drips its answer, and a prompt ntfy one
    WHEN an alarm is delivered by the function configured with a 0.3 s send deadline
    THEN ntfy gets it, the webhook's retry is scheduled, and the log line says it failed
    for want of a whole answer within the deadline."""
    logs.attach("delivery")
    ntfy = FakeNtfy()
    with SlowDrip("body") as server, running(ntfy):
        push.add("prompt", "ntfy", {"url": ntfy.url})
        push.add("slow", "webhook", {"url": server.url, "signing_secret": "whsec_" + "A" * 32})
        aws.register()
        Camera(functions).alarm()
        pipeline.flush()
        assert len(push.path.pending) == 2
        push.deliver()

        assert _cut(server)
    assert len(ntfy.received) == 1
    (later,) = push.path.waiting()
    assert json.loads(later["Target"]["Input"])["destination"] == "slow"
    (retry,) = [line for line in logs.lines() if line["message"] == "push failed, will retry"]
    assert retry["destination"] == "slow"
    assert "no whole answer within 0.3 s talking to 127.0.0.1" in retry["detail"]


class RunningOut(LambdaContext):
    """A context whose remaining time is read from a script, one value per question."""

    def __init__(self, remaining_ms: list[int]) -> None:
        super().__init__(aws_request_id="d-2")
        self._script = iter(remaining_ms)

    def get_remaining_time_in_millis(self) -> int:
        return next(self._script)


def test_a_batch_starts_no_send_it_cannot_finish_and_leaves_the_rest_for_a_retry(
    aws: Aws, functions: LoadFunction, pipeline: Pipeline, push: Push, logs: LogCapture
) -> None:
    """GIVEN three destinations, so one alarm is a batch of three messages, and a function
    whose time runs short after the second (2.9 s left, a send needs its 0.3 s deadline
    and 3 s for the AWS calls around it)
    WHEN the batch is delivered
    THEN two destinations get the alarm; the third is not sent to but reported, so Lambda
    retries it; and the retry delivers it."""
    logs.attach("delivery")
    fakes = [FakeNtfy(topic=f"topic-{n}") for n in range(3)]
    with running(*fakes):
        for n, fake in enumerate(fakes):
            push.add(f"phone-{n}", "ntfy", {"url": fake.url})
        aws.register()
        Camera(functions).alarm()
        pipeline.flush()
        event = _batch(push)
        assert len(event["Records"]) == 3

        result = push.delivery.lambda_handler(event, RunningOut([29_000, 20_000, 2_900]))

        assert sorted(len(fake.received) for fake in fakes) == [0, 1, 1]
        assert result == {
            "batchItemFailures": [{"itemIdentifier": event["Records"][2]["messageId"]}]
        }
        (line,) = [line for line in logs.lines() if line["level"] == "WARNING"]
        assert line["message"] == (
            "too little time left to start another message; the rest will be retried"
        )
        assert line["not_started"] == 1

        # The reported message comes back (here at once) and the drain delivers it then.
        boto3.client("sqs", region_name=REGION).change_message_visibility(
            QueueUrl=push.stack.physical_name("DeliveryQueue"),
            ReceiptHandle=event["Records"][2]["receiptHandle"],
            VisibilityTimeout=0,
        )
        rule = "arn:aws:events:us-east-1:123456789012:rule/drain"
        assert invoke(push.delivery, scheduled_event(rule)) == {"drained": 1, "failed": 0}
        assert [len(fake.received) for fake in fakes] == [1, 1, 1]
