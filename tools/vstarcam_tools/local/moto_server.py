"""The emulated AWS services: moto's server app, a session whose clients talk to it, and
moto's internals the local stack reaches into (SNS records, stream iterators)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3

# moto accepts any credentials; fixed dummy ones keep real ones out of the functions.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


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


def moto_app() -> Any:
    """moto's server app, with its global CORS off.

    moto reads ``MOTO_DISABLE_GLOBAL_CORS`` once, when ``moto.settings`` is first
    imported, which may have happened already in this process: the server module's
    copy of the setting is set too, before any service's app is made.
    """
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    from moto.moto_server import werkzeug_app

    werkzeug_app.DISABLE_GLOBAL_CORS = True  # type: ignore[attr-defined]
    return werkzeug_app.DomainDispatcherApplication(werkzeug_app.create_backend_app)


def moto_request_handler() -> Any:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    return MotoRequestHandler


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


def sns_backend(account: str, region: str) -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[account][region]


def revoke_refresh_token(account: str, region: str, token: str, client_id: str) -> str:
    """Cognito's ``RevokeToken``, which moto does not implement: "" once the refresh
    token is revoked (or unknown, as Cognito answers), else the error type.

    A refresh after it is refused ("Refresh Token has been revoked"), and the access
    tokens it issued no longer work at Cognito's own calls (``GetUser``), as with
    ``EnableTokenRevocation``.
    """
    import jwt
    from moto.cognitoidp.models import cognitoidp_backends

    for pool in list(cognitoidp_backends[account][region].user_pools.values()):
        if token not in pool.refresh_tokens:
            continue
        issued = pool.refresh_tokens[token]
        if issued is None:
            return ""
        issued_to, _, origin_jti = issued
        if issued_to != client_id:
            return "UnauthorizedException"
        pool.refresh_tokens[token] = None
        for access_token in list(pool.access_tokens):
            try:
                claims = jwt.decode(access_token, options={"verify_signature": False})
            except jwt.PyJWTError:
                continue
            if claims.get("origin_jti") == origin_jti:
                pool.access_tokens.pop(access_token, None)
        return ""
    return ""


def challenge_names_session_user(account: str, region: str, session: str, username: str) -> bool:
    """Whether a ``RespondToAuthChallenge`` naming ``username`` answers for the user its
    ``Session`` was handed to, as Cognito requires.

    moto takes the user from the answer's ``USERNAME``, not from the session: with the
    session of their own first sign-in, an invited user could set ``admin``'s password
    (``NEW_PASSWORD_REQUIRED``) or finish ``admin``'s sign-in (``SOFTWARE_TOKEN_MFA``,
    any code). A session moto does not know is left to moto to refuse.
    """
    from moto.cognitoidp.models import cognitoidp_backends

    known = cognitoidp_backends[account][region].sessions.get(session)
    if known is None:
        return True
    session_user, pool = known
    named = pool._get_user(username)
    return named is not None and named is pool._get_user(session_user)
