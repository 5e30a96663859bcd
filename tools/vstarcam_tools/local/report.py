"""The terminal report: the start banner, one line per request, push delivery, SNS message
and dead letter, and the logging set-up that prints them."""

from __future__ import annotations

import json
import logging
import sys
from typing import TYPE_CHECKING, Any

from vstarcam_tools.local.console import CONSOLE_USER
from vstarcam_tools.local.http_api import RequestRecord

if TYPE_CHECKING:
    from vstarcam_tools.local.runner import LocalStack

logger = logging.getLogger("vstarcam_tools.local")


def describe_dead_letter(body: str) -> str:
    """``PUSH FAILED  phone (telegram) gave up on alarm VE...: telegram answered 401 ...``
    for a push destination's dead letter; "" for other dead letters (the stream mapping
    logs its own)."""
    try:
        failed = json.loads(body).get("pushDeliveryFailed")
    except (ValueError, AttributeError):
        return ""
    if not isinstance(failed, dict):
        return ""
    return (
        f"PUSH FAILED  {failed.get('destination')} ({failed.get('channel')}) gave up on "
        f"{failed.get('event')} {failed.get('vuid')}: {failed.get('reason')} "
        "(dead-lettered; 'vstarcam-push notify list' shows it)"
    )


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


def describe_push(body: str, failed: bool, record: dict[str, Any]) -> str:
    """``PUSH  alarm    VE0005622QHOW    -> phone  handled``: one queue message, no secret
    (the message holds none but the media link token, which is not shown)."""
    try:
        document = json.loads(body)
        event = document.get("event") or {}
        destination, kind, vuid = document["destination"], event["kind"], event["vuid"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return "PUSH  unreadable delivery message"
    attempt = (record.get("attributes") or {}).get("ApproximateReceiveCount", "1")
    outcome = f"failed, will retry (attempt {attempt})" if failed else "handled"
    return f"PUSH  {kind:<8} {vuid:<16} -> {destination}  {outcome}"


def log_request(record: RequestRecord) -> None:
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


def print_banner(local: LocalStack) -> None:
    options, outputs = local.options, local.outputs
    lines = [
        f"vstarcam-push local stack {local.stack.name!r} in {local.stack.region} (moto, no Docker)",
        f"Heartbeat URL: {outputs['HeartbeatUrl']} + /<the camera's push key>",
        f"Alarm URL: {outputs['AlarmUrl']} + /<the camera's push key>",
        f"AWS_ENDPOINT_URL={local.endpoint}",
    ]
    if "ConsoleUrl" in outputs:
        # A password kept from the last run may be the user's own: it is not shown.
        password = (
            local.console_password or "unchanged since the last run: --console-password sets one"
        )
        lines.append(f"Console: {outputs['ConsoleUrl']} (user {CONSOLE_USER}, password {password})")
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
        local.state.describe() if local.state else "State: not kept (--no-state)",
        "Function logs: "
        + ("shown here (--verbose)" if options.verbose else f"{local.log_dir}/<Function>.log"),
        "Ready: requests and SNS notifications are logged below. Ctrl-C stops.",
    ]
    print("\n".join(lines), flush=True)


def configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", datefmt="%H:%M:%S"))
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    # werkzeug would log every request to moto and to the API a second time.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
