"""The camera's own CGI: read its ids and push settings, point it at a push server.

VStarcam cameras answer CGIs on their web port (often 81) with JavaScript-like
text, one assignment per line (``var heartbeatTime=60;``). Credentials travel
as query parameters, so every URL this module shows, logs or raises has its
password masked.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests

# Replies are a few hundred bytes; the bounds keep a wrong address (a video
# stream, a router's web page) from being read without end.
MAX_REPLY_BYTES = 64 * 1024
MAX_REPLY_LINES = 1000
MAX_NAME_CHARS = 64
MAX_VALUE_CHARS = 4096
EXCERPT_CHARS = 40

DEFAULT_PORT = 81
DEFAULT_TIMEOUT = 5.0

PUSH_CGIS = ("get_alarm_push_cfg.cgi", "set_alarm_push_cfg.cgi")
MASK = "***"

Value = int | str

_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\[[0-9]{1,4}\])?"
# Linear by construction: every blank can be taken by exactly one part of the pattern (the
# quoted values' surrounding blanks; the bare value takes its own and is stripped after),
# so a failed match backtracks at most once over the line. The lazy bare value followed
# by optional blanks this replaces took 31 s on "var a=" and 2,000 blanks.
_STATEMENT = re.compile(
    rf"""(?:var[ \t]+)?(?P<name>{_NAME})[ \t]*=
    (?:[ \t]*"(?P<double>(?:[^"\\\r\n]|\\.)*)"[ \t]*
      |[ \t]*'(?P<single>(?:[^'\\\r\n]|\\.)*)'[ \t]*
      |(?P<bare>[^;="'\r\n]*))
    (?:;|(?=\r?\n)|\Z)""",
    re.VERBOSE,
)
_SPACE = re.compile(r"\s*")
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}
_CREDENTIAL_IN_QUERY = re.compile(r"((?:^|[?&])(?:loginpas|pwd)=)[^&\s\"']*")


class CameraError(Exception):
    """A camera could not be read or configured; the message is one line a person can act on."""


class WrongCredentials(CameraError):
    pass


class CameraUnreachable(CameraError):
    pass


class PushNotSupported(CameraError):
    pass


class UnparsableReply(CameraError):
    pass


class CameraRefused(CameraError):
    """The camera answered a set CGI with something other than ``result="ok"``/``result=0``."""


def _excerpt(text: str) -> str:
    return repr(text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else ""))


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def parse_reply(text: str) -> dict[str, Value]:
    """The assignments of a CGI reply, bare integers as ``int``, everything else as ``str``.

    >>> parse_reply('var heartbeatTime=60;\\r\\nvar heartbeatServer="https://h/heartbeat";\\r\\n')
    {'heartbeatTime': 60, 'heartbeatServer': 'https://h/heartbeat'}
    """
    if len(text) > MAX_REPLY_BYTES:
        raise UnparsableReply(f"reply is longer than {MAX_REPLY_BYTES} bytes")
    if text.count("\n") > MAX_REPLY_LINES:
        raise UnparsableReply(f"reply has more than {MAX_REPLY_LINES} lines")
    values: dict[str, Value] = {}
    position = _SPACE.match(text).end()  # type: ignore[union-attr]
    while position < len(text):
        match = _STATEMENT.match(text, position)
        if match is None or match.end() == position:
            raise UnparsableReply(
                f"reply is not 'var name=value;' lines: {_excerpt(text[position:])}"
            )
        name = match["name"]
        if len(name) > MAX_NAME_CHARS:
            raise UnparsableReply(
                f"reply has a name longer than {MAX_NAME_CHARS}: {_excerpt(name)}"
            )
        if match["bare"] is not None:
            raw = match["bare"].strip(" \t")
            value: Value = int(raw) if _INTEGER.fullmatch(raw) else raw
        else:
            raw = match["double"] if match["double"] is not None else match["single"]
            value = _unescape(raw)
        if len(raw) > MAX_VALUE_CHARS:
            raise UnparsableReply(f"reply value of {name} is longer than {MAX_VALUE_CHARS}")
        values[name] = value
        position = _SPACE.match(text, match.end()).end()  # type: ignore[union-attr]
    return values


def mask_credentials(text: str) -> str:
    """``text`` with every ``loginpas=``/``pwd=`` query value replaced by ``***``."""
    return _CREDENTIAL_IN_QUERY.sub(rf"\g<1>{MASK}", text)


class _MaskCredentialsInLogs(logging.Filter):
    """urllib3 logs each request line at DEBUG, and the camera's password is in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_credentials(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_MaskCredentialsInLogs())


def camera_base_url(text: str) -> str:
    """``http://host:port`` of a camera address; a bare host gets the usual port 81.

    >>> camera_base_url("192.168.1.50")
    'http://192.168.1.50:81'
    """
    address = text.strip()
    if "@" in address:
        raise CameraError("put the camera's credentials in --user/--password, not in its address")
    if "://" not in address:
        address = f"http://{address}"
        bare = True
    else:
        bare = False
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError as error:
        raise CameraError(f"camera address {text!r} is not a host[:port] or URL") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CameraError(f"camera address {text!r} is not http://host[:port]")
    if parts.query or parts.fragment or parts.path.strip("/"):
        raise CameraError(f"camera address {text!r} has a path; give only http://host[:port]")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is None and bare:
        port = DEFAULT_PORT
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


@dataclass(frozen=True)
class CameraIds:
    """What ``get_status.cgi`` says the camera is; ``vuid`` is what it sends in pushes."""

    vuid: str
    deviceid: str
    realdeviceid: str
    alias: str

    @classmethod
    def from_values(cls, values: dict[str, Value]) -> CameraIds:
        def text(name: str) -> str:
            value = values.get(name, "")
            return str(value).strip()

        return cls(
            vuid=text("vuid"),
            deviceid=text("deviceid"),
            realdeviceid=text("realdeviceid"),
            alias=text("alias"),
        )

    @property
    def push_id(self) -> str:
        """The id the camera's heartbeats carry: its vuid, or its deviceid on older firmware."""
        return self.vuid or self.deviceid


# Attribute -> the camera's parameter name.
PUSH_SETTINGS = {
    "heartbeat_time": "heartbeatTime",
    "heartbeat_server": "heartbeatServer",
    "alarm_push_main_server": "alarmPushMainServer",
    "alarm_push_sub_server": "alarmPushSubServer",
}


@dataclass(frozen=True)
class PushConfig:
    """The four settings of ``get_alarm_push_cfg.cgi``."""

    heartbeat_time: int
    heartbeat_server: str
    alarm_push_main_server: str
    alarm_push_sub_server: str

    @classmethod
    def from_values(cls, values: dict[str, Value]) -> PushConfig:
        missing = [name for name in PUSH_SETTINGS.values() if name not in values]
        if missing:
            raise UnparsableReply(f"get_alarm_push_cfg.cgi reply lacks {', '.join(missing)}")
        heartbeat_time = values["heartbeatTime"]
        if not isinstance(heartbeat_time, int):
            raise UnparsableReply(
                f"get_alarm_push_cfg.cgi heartbeatTime is not a number: {_excerpt(heartbeat_time)}"
            )
        return cls(
            heartbeat_time=heartbeat_time,
            heartbeat_server=str(values["heartbeatServer"]),
            alarm_push_main_server=str(values["alarmPushMainServer"]),
            alarm_push_sub_server=str(values["alarmPushSubServer"]),
        )

    def as_params(self) -> list[tuple[str, str]]:
        """The settings as ``set_alarm_push_cfg.cgi`` query parameters, in the vendor's order."""
        return [(name, str(getattr(self, attribute))) for attribute, name in PUSH_SETTINGS.items()]

    def differences(self, other: PushConfig) -> list[tuple[str, Value, Value]]:
        """``(CGI name, mine, theirs)`` for every setting that differs."""
        return [
            (name, getattr(self, attribute), getattr(other, attribute))
            for attribute, name in PUSH_SETTINGS.items()
            if getattr(self, attribute) != getattr(other, attribute)
        ]


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password={MASK!r})"


class CameraClient:
    """One camera's CGIs. Every request is bounded in time and in reply size."""

    def __init__(
        self, address: str, credentials: Credentials, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.base_url = camera_base_url(address)
        self._credentials = credentials
        self.timeout = timeout
        self._session = requests.Session()
        # Cameras are on the LAN: an HTTP(S)_PROXY meant for the internet must
        # not receive URLs that carry the camera's password.
        self._session.trust_env = False
        # Some firmware asks GET CGIs for HTTP Basic instead of query parameters.
        self._session.auth = (credentials.user, credentials.password)

    def __repr__(self) -> str:
        return f"CameraClient({self.base_url!r}, user={self._credentials.user!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> CameraClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def url(self, cgi: str, params: Iterable[tuple[str, str]] = (), masked: bool = True) -> str:
        """The exact request URL: settings, then both credential forms, ``&``-terminated.

        The vendor's document ends set URLs with ``&``; the credentials go in
        both the ``loginuse``/``loginpas`` and the older ``user``/``pwd`` form.
        """
        user = quote(self._credentials.user, safe="")
        secret = MASK if masked else quote(self._credentials.password, safe="")
        settings = "".join(
            f"{quote(name, safe='')}={quote(value, safe='')}&" for name, value in params
        )
        credentials = f"loginuse={user}&loginpas={secret}&user={user}&pwd={secret}&"
        return f"{self.base_url}/{cgi}?{settings}{credentials}"

    def _mask(self, text: str) -> str:
        password = self._credentials.password
        masked = mask_credentials(text)
        return masked.replace(password, MASK) if password else masked

    def call(self, cgi: str, params: Iterable[tuple[str, str]] = ()) -> dict[str, Value]:
        """Request ``cgi`` and parse its reply; raise a ``CameraError`` naming what went wrong."""
        where = f"camera at {self.base_url}"
        deadline = time.monotonic() + 2 * self.timeout
        try:
            with self._session.get(
                self.url(cgi, params, masked=False),
                timeout=self.timeout,
                stream=True,
                allow_redirects=False,
            ) as response:
                status = response.status_code
                body = bytearray()
                for chunk in response.iter_content(chunk_size=4096):
                    body += chunk
                    if len(body) > MAX_REPLY_BYTES:
                        raise UnparsableReply(
                            f"{where}: {cgi} reply is longer than {MAX_REPLY_BYTES} bytes"
                        )
                    if time.monotonic() > deadline:
                        raise CameraUnreachable(
                            f"{where} did not finish its {cgi} reply within {2 * self.timeout:g} s"
                        )
        # requests puts the full URL, password included, into its messages:
        # they are neither shown nor chained.
        except requests.exceptions.Timeout:
            raise CameraUnreachable(
                f"{where} did not answer {cgi} within {self.timeout:g} s"
            ) from None
        except requests.exceptions.ConnectionError:
            raise CameraUnreachable(
                f"{where} is unreachable (connection refused or no route): "
                "check the address and port"
            ) from None
        except requests.exceptions.RequestException as error:
            raise CameraUnreachable(f"{where}: {cgi} failed ({type(error).__name__})") from None
        if status == 401:
            raise WrongCredentials(f"{where} refused the user or password (HTTP 401)")
        if status == 404 and cgi in PUSH_CGIS:
            raise PushNotSupported(
                f"{where}: the firmware does not support alarm push ({cgi} not found; "
                "see docs/cameras.md)"
            )
        if status != 200:
            raise CameraError(f"{where} answered HTTP {status} to {cgi}")
        text = body.decode("utf-8", errors="replace")
        try:
            values = parse_reply(text)
        except UnparsableReply as error:
            raise UnparsableReply(
                f"{where}: cannot parse the {cgi} reply ({self._mask(str(error))})"
            ) from None
        result = values.get("result")
        if result in (-1, -2) and cgi.startswith("get_"):
            raise WrongCredentials(
                f"{where} refused the user or password ({cgi} answered result={result})"
            )
        if result == -2:
            raise WrongCredentials(f"{where} refused the user or password (result=-2)")
        return values

    def get_ids(self) -> CameraIds:
        ids = CameraIds.from_values(self.call("get_status.cgi"))
        if not ids.push_id:
            raise UnparsableReply(
                f"camera at {self.base_url}: get_status.cgi reports neither vuid nor deviceid"
            )
        return ids

    def get_push_config(self) -> PushConfig:
        values = self.call("get_alarm_push_cfg.cgi")
        try:
            return PushConfig.from_values(values)
        except UnparsableReply as error:
            raise UnparsableReply(f"camera at {self.base_url}: {error}") from None

    def set_push_config(self, config: PushConfig) -> None:
        values = self.call("set_alarm_push_cfg.cgi", config.as_params())
        result = values.get("result")
        if result not in ("ok", 0):
            shown: Any = result if result is not None else "nothing"
            raise CameraRefused(
                f"camera at {self.base_url} refused the settings "
                f"(set_alarm_push_cfg.cgi answered result={shown})"
            )
