"""Sending a channel's :class:`ChannelRequest` over HTTP: urllib3, timeouts, TLS verified.

urllib3 comes with botocore in the Lambda runtime, so the layer adds nothing.
It makes no retries of its own (the delivery loop owns retries, with backoff
and a record of what was delivered) and follows no redirects (a webhook that
moved is a configuration to fix, not something to chase with a signed body).

No error text here carries a URL: Telegram's token and the Discord, Slack and
webhook secrets are parts of URLs, and urllib3's exceptions name the URL. An
error is described by its kind and the host only.
"""

from __future__ import annotations

import ssl

import urllib3

from vstarcam_push.delivery.channels import Answer, ChannelRequest, host_of
from vstarcam_push.delivery.channels.deadline import POOL_CLASSES, Deadline

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 20.0
# One send, from connecting to the answer's last byte (deadline.py): a slow server cannot
# hold the delivery function's batch (30 s for up to 10 messages) for longer.
SEND_DEADLINE_S = 10.0
# An answer is read for its verdict and a line of detail: never more than this.
ANSWER_LIMIT = 64 * 1024


def pool() -> urllib3.PoolManager:
    manager = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S),
        retries=False,
        cert_reqs=ssl.CERT_REQUIRED,
        maxsize=4,
    )
    # Connections that a send's deadline can cut short.
    manager.pool_classes_by_scheme = POOL_CLASSES
    return manager


def send(
    http: urllib3.PoolManager, request: ChannelRequest, deadline_s: float = SEND_DEADLINE_S
) -> Answer:
    """Send once, within ``deadline_s`` in all; a failure to get a whole answer in time is
    ``Answer(status=0, error=...)``."""
    with Deadline(deadline_s) as deadline:
        answer = _send(http, request, deadline)
    if deadline.expired:
        error = f"no whole answer within {deadline_s:g} s talking to {host_of(request.url)}"
        return Answer(0, {}, b"", error=error)
    return answer


def _send(http: urllib3.PoolManager, request: ChannelRequest, deadline: Deadline) -> Answer:
    headers = dict(request.headers)
    body = request.body
    if request.fields is not None:
        body, content_type = urllib3.encode_multipart_formdata(request.fields)
        headers["Content-Type"] = content_type
    headers.setdefault("User-Agent", "vstarcam-push")
    timeout = urllib3.Timeout(
        connect=min(CONNECT_TIMEOUT_S, deadline.seconds),
        read=min(READ_TIMEOUT_S, deadline.seconds),
        total=deadline.seconds,
    )
    try:
        if request.address:
            response = _pinned(http, request, body, headers, timeout)
        else:
            response = http.request(
                request.method,
                request.url,
                body=body,
                headers=headers,
                redirect=False,
                preload_content=False,
                timeout=timeout,
            )
        try:
            content = response.read(ANSWER_LIMIT)
        finally:
            if deadline.expired:
                response.close()  # its socket is shut: never back into the pool
            response.release_conn()
        return Answer(response.status, dict(response.headers), content)
    except urllib3.exceptions.HTTPError as error:
        return Answer(0, {}, b"", error=describe(error, request.url))


def _pinned(
    http: urllib3.PoolManager,
    request: ChannelRequest,
    body: bytes | None,
    headers: dict[str, str],
    timeout: urllib3.Timeout,
) -> urllib3.BaseHTTPResponse:
    """Send to ``request.address`` (the address the channel checked), with the URL's host
    name as the TLS server name and certificate name and in the Host header: DNS is not
    asked again, so a name cannot be pointed somewhere else between the check and the send."""
    url = urllib3.util.parse_url(request.url)
    scheme = url.scheme or "https"
    host = url.host or ""
    pool_kwargs = {"server_hostname": host, "assert_hostname": host} if scheme == "https" else {}
    pool = http.connection_from_host(
        request.address, port=url.port, scheme=scheme, pool_kwargs=pool_kwargs
    )
    return pool.urlopen(
        request.method,
        url.request_uri,
        body=body,
        headers={**headers, "Host": url.netloc or host},
        redirect=False,
        retries=False,
        preload_content=False,
        timeout=timeout,
    )


def describe(error: BaseException, url: str) -> str:
    """``connection refused by 127.0.0.1``: the kind of failure and the host, no URL."""
    reason = getattr(error, "reason", None) or error
    host = host_of(url)
    # urllib3 2 makes NewConnectionError (refused, unreachable, no such host) a subclass of
    # ConnectTimeoutError: it is asked about first, or a refusal reads as a timeout.
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return f"name not resolved: {host}"
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        cause = reason.__cause__ or reason.__context__
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused by {host}"
        if isinstance(cause, OSError) and cause.strerror:
            return f"could not connect to {host} ({cause.strerror.lower()})"
        return f"could not connect to {host}"
    kinds = (
        (urllib3.exceptions.SSLError, "TLS failed (certificate not trusted?)"),
        (urllib3.exceptions.ConnectTimeoutError, "connect timed out"),
        (urllib3.exceptions.ReadTimeoutError, "timed out waiting for the answer"),
        (urllib3.exceptions.ProtocolError, "connection broken"),
    )
    for kind, words in kinds:
        if isinstance(reason, kind) or isinstance(error, kind):
            return f"{words} talking to {host}"
    return f"{type(reason).__name__} talking to {host}"
