"""The local stack's state across restarts: restored at start, saved as it changes.

``make run`` keeps what a user made in a folder of the checkout
(``.local-state/<stack>/``, ignored by git): cameras and the push-key secret
(so every push URL stays valid), alarms and their media, push destinations and
their secrets, console users and their passwords, subscriptions, queued push
deliveries. ``--fresh`` starts empty (the old folder is moved aside, not
deleted); ``--no-state`` keeps nothing (the tests' stacks).

How (see :mod:`~vstarcam_tools.local.snapshot` for the file and for why moto is
pickled): every request to moto passes :class:`StateTracker`, which notes what it
may have changed: a persisted service (from its SigV4 credential scope or target),
or for a DynamoDB write the tables its body names. A read
(``Get*``/``Describe*``/``List*``/``Query``/``Scan``, an S3 ``GET``) changes
nothing, so an idle stack writes nothing. About once a second
(:data:`SAVE_INTERVAL_S`), if anything changed, the saver takes the tracker's lock
exclusively (requests wait; they hold it shared while moto handles them), pickles
what changed in memory, lets requests go on, and writes the snapshot atomically.
A clean stop (Ctrl-C, SIGTERM) saves after the last request.

The stream subscriptions' positions (how far each has processed each table's
stream) are saved in the same snapshot, read while no request runs, so they never
point past the records it holds: after a restart each goes on where it left off, and
a record written but not yet processed (an alarm's notification and thumbnail, when
Ctrl-C comes a moment after it) is processed then, not lost (a record being processed
at the stop is processed again: at least once, as Lambda's mappings do).

A ``kill -9`` loses what changed since the last snapshot: the interval plus one
snapshot's time. A snapshot that held requests long pushes the next one back (4
times as long), so requests are held a fifth of the time at most. Measured on a
busy 2-core machine (load 8): a write reached the snapshot 1.0 s after it at most
with a few cameras, 3.7 s with 10,000 alarms (their table takes 0.3 s of CPU to
pickle, about 1 s of wall time there; 1,000 cameras take 0.05 s); during an alarm
storm on that table a write waited 19 ms at the 90th percentile, 0.5 s at most.

Stream records older than a day are dropped before a table is pickled, as AWS
keeps them 24 hours (moto keeps every one: a heartbeat adds one).

The only request not held in the lock is SQS's ``ReceiveMessage``: the queue
pollers long-poll for a second, and holding them would stall every snapshot.
A message's receipt is not worth a snapshot (after a restart it is simply
received again, as after a visibility timeout); SQS is pickled again if it
changes during the pickling.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import pickle
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from vstarcam_tools.local import snapshot, stream_shards
from vstarcam_tools.template import PROJECT_ROOT

logger = logging.getLogger("vstarcam_tools.local")

DEFAULT_ROOT = PROJECT_ROOT / ".local-state"
SAVE_INTERVAL_S = 1.0
# A snapshot waits this long at most for the requests in flight, then lets new ones in
# and tries again: a request that waits on another request to moto (an SNS HTTP
# subscription calling the local API) cannot dead-lock with a waiting snapshot.
_EXCLUSIVE_WAIT_S = 0.5
# The next snapshot waits at least this many times as long as the last held requests.
_HOLD_RATIO = 4.0
_ALL = frozenset(snapshot.PERSISTED)
# Changing one service's state may change another's (SNS delivers to SQS queues).
_ALSO_CHANGES = {"sns": {"sqs"}}
_READ_PREFIXES = ("Get", "Describe", "List", "Query", "Scan", "BatchGet", "Head")
_READ_OPERATIONS = frozenset({"ReceiveMessage"})
_UNLOCKED = frozenset({("sqs", "ReceiveMessage")})
_TARGETS = {
    "DynamoDB_": "dynamodb",
    "DynamoDBStreams_": "dynamodbstreams",
    "AmazonSSM.": "ssm",
    "AmazonSQS.": "sqs",
    "AWSCognitoIdentityProviderService.": "cognito-idp",
}
# DynamoDB operations that change more than one table's items (or none).
_DYNAMODB_SERVICE_OPERATIONS = frozenset(
    {
        "CreateTable",
        "DeleteTable",
        "RestoreTableFromBackup",
        "RestoreTableToPointInTime",
        "ImportTable",
        "CreateBackup",
        "DeleteBackup",
        "TagResource",
        "UntagResource",
        "PutResourcePolicy",
        "DeleteResourcePolicy",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)
_MAX_PARSED_BODY = 16 * 1024 * 1024
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/\s]+)/aws4_request")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def default_folder(stack_name: str) -> Path:
    """Where ``make run`` keeps a stack's state: ``.local-state/<stack>`` in the checkout."""
    return DEFAULT_ROOT / stack_name


# -- what a request changes ---------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What a request to moto may change: the persisted services, and whether it is locked."""

    changes: frozenset[str]
    locked: bool = True


def classify(environ: dict[str, Any]) -> Request:
    """The persisted services a request to moto may change (none for a read).

    A DynamoDB write names its tables (``dynamodb:<table>``): its JSON body is read
    here, and put back for moto.
    """
    method = environ.get("REQUEST_METHOD", "GET").upper()
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    service = _service(environ.get("HTTP_AUTHORIZATION", ""), query, target)
    operation = target.rsplit(".", 1)[-1] if "." in target else _query_action(query)
    if (service, operation) in _UNLOCKED:
        return Request(frozenset(), locked=False)
    if path.startswith("/moto-api/"):
        return Request(frozenset() if method in ("GET", "HEAD") else _ALL)
    if operation:
        read = operation.startswith(_READ_PREFIXES) or operation in _READ_OPERATIONS
    else:
        read = method in ("GET", "HEAD", "OPTIONS")
    if read:
        return Request(frozenset())
    if service is None:
        return Request(_ALL)  # who knows: everything may have changed
    if service not in snapshot.PERSISTED:
        return Request(frozenset())
    if service == snapshot.DYNAMODB and operation not in _DYNAMODB_SERVICE_OPERATIONS:
        tables = _tables_named(environ)
        if tables:
            return Request(frozenset(f"{snapshot.DYNAMODB}:{name}" for name in tables))
    return Request(frozenset({service, *_ALSO_CHANGES.get(service, ())}))


def _tables_named(environ: dict[str, Any]) -> set[str]:
    """The tables a DynamoDB request's body names (empty: it could not tell)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return set()
    if not 0 < length <= _MAX_PARSED_BODY:
        return set()
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        document = json.loads(body)
    except ValueError:
        return set()
    if not isinstance(document, dict):
        return set()
    names: list[Any] = []
    if "TableName" in document:
        names.append(document["TableName"])
    if isinstance(document.get("RequestItems"), dict):
        names += list(document["RequestItems"])
    for item in document.get("TransactItems") or []:
        names += [op.get("TableName") for op in item.values() if isinstance(op, dict)]
    if not names or not all(isinstance(name, str) and name for name in names):
        return set()
    # A table may be named by its ARN.
    return {name.split(":table/", 1)[-1].split("/", 1)[0] for name in names}


def _service(authorization: str, query: str, target: str) -> str | None:
    for text in (authorization, _query_credential(query)):
        match = _CREDENTIAL_SCOPE.search(text)
        if match:
            # DynamoDB Streams signs as dynamodb; its target says which it is.
            if match.group(1) == "dynamodb" and target.startswith("DynamoDBStreams_"):
                return "dynamodbstreams"
            return match.group(1)
    for prefix, service in _TARGETS.items():
        if target.startswith(prefix):
            return service
    return None


def _query_credential(query: str) -> str:
    if "X-Amz-Credential" not in query:
        return ""
    values = parse_qs(query).get("X-Amz-Credential") or [""]
    return f"Credential={values[0]}"


def _query_action(query: str) -> str | None:
    if "Action=" not in query:
        return None
    values = parse_qs(query).get("Action") or [""]
    return values[0] or None


# -- the lock -------------------------------------------------------------------------------


class SharedExclusiveLock:
    """Requests hold it shared; a snapshot holds it alone. A waiting snapshot holds new
    requests back (so it is not starved), for :data:`_EXCLUSIVE_WAIT_S` at most."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writer_waiting = False

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            while self._writer or self._writer_waiting:
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                if not self._readers:
                    self._condition.notify_all()

    def acquire_exclusive(self, wait_s: float = _EXCLUSIVE_WAIT_S) -> bool:
        """True once held alone; False if requests were still in flight after ``wait_s``."""
        deadline = time.monotonic() + wait_s
        with self._condition:
            while self._writer:
                self._condition.wait()
            self._writer_waiting = True
            try:
                while self._readers:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._condition.wait(remaining)
                self._writer = True
                return True
            finally:
                self._writer_waiting = False
                self._condition.notify_all()

    def release_exclusive(self) -> None:
        with self._condition:
            self._writer = False
            self._condition.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        while not self.acquire_exclusive():
            time.sleep(0.01)  # let the requests that waited through
        try:
            yield
        finally:
            self.release_exclusive()


class StateTracker:
    """WSGI middleware in front of moto: each request under the shared lock, and the
    persisted services it may have changed noted once moto answered."""

    def __init__(self, app: WsgiApp, lock: SharedExclusiveLock, changed: set[str]) -> None:
        self.app = app
        self._lock = lock
        self._changed = changed

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = classify(environ)
        if not request.locked:
            return self.app(environ, start_response)
        with self._lock.shared():
            try:
                return self.app(environ, start_response)
            finally:
                # Noted before the lock is let go: a snapshot sees the change, or the
                # next one does. A failed request may have changed something too.
                self._changed.update(request.changes)


# -- the state ------------------------------------------------------------------------------


class StateInUse(OSError):
    """Another local stack keeps its state in the same folder."""


class LocalState:
    """One stack's state folder: :meth:`open` (lock it, restore), :meth:`track` (moto's
    app), :meth:`start` (save in the background), :meth:`close` (the last save)."""

    def __init__(
        self, folder: Path, *, fresh: bool = False, interval_s: float = SAVE_INTERVAL_S
    ) -> None:
        self.folder = folder
        self.fresh = fresh
        self.interval_s = interval_s
        self.blobs = snapshot.BlobStore(folder / snapshot.BLOBS)
        self.restored: snapshot.Restored | None = None
        self.moved_aside: Path | None = None
        self.saves = 0
        self.last_save: SaveTimes | None = None
        self._lock = SharedExclusiveLock()
        self._changed: set[str] = set()
        self._states: dict[str, snapshot.ServiceState] = {}
        self._pickler = snapshot.Pickler(self.blobs)
        self._written_blobs: frozenset[str] = frozenset()
        self._save_lock = threading.Lock()
        self._folder_lock: Any = None
        # The stream subscriptions' positions ({mapping: {shard: position}}), read at each
        # snapshot (the runner sets it once the subscriptions exist).
        self.positions: Callable[[], dict[str, Any]] | None = None
        self._saved_positions: dict[str, Any] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="state-saver", daemon=True)

    # -- start-up ------------------------------------------------------------------------
    def open(self) -> None:
        """Lock the folder (one stack at a time), move it aside if ``fresh``, and restore
        the last snapshot into moto (before its server serves anything)."""
        self.folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._folder_lock = _lock_file(self.folder.with_name(f"{self.folder.name}.lock"))
        if self.fresh and self.folder.exists():
            aside = self.folder.with_name(f"{self.folder.name}.before-fresh")
            shutil.rmtree(aside, ignore_errors=True)
            os.replace(self.folder, aside)
            self.moved_aside = aside
        # Secrets inside (the push-key secret, tokens, passwords): the owner's only.
        for folder in (self.folder, self.blobs.folder):
            folder.mkdir(mode=0o700, exist_ok=True)
            os.chmod(folder, 0o700)
        try:
            self.restored = snapshot.restore(self.folder, self.blobs)
        except snapshot.StateUnreadable as error:
            raise ValueError(
                f"the local state in {_shown(self.folder)} cannot be loaded ({error}); "
                "start with --fresh to start empty (it is moved aside, not deleted)"
            ) from None
        if self.restored is not None:
            if self.restored.skipped:
                logger.warning(
                    "STATE the newest snapshot could not be loaded (%s); "
                    "restored the one before it",
                    self.restored.skipped,
                )
                # Kept for a look, out of the way of the next snapshots.
                broken = self.folder / snapshot.SNAPSHOT
                if broken.exists():
                    os.replace(broken, self.folder / "state.unreadable.pickle")
            # The blobs of the snapshot restored stay until two newer ones are written.
            self._written_blobs = frozenset().union(
                *(state.blobs for state in self.restored.snapshot.services.values())
            )
            self._states = dict(self.restored.snapshot.services)

    def restored_positions(self) -> dict[str, Any]:
        """The stream subscriptions' positions the restored snapshot holds (``{}``: none)."""
        if self.restored is None:
            return {}
        part = self.restored.snapshot.services.get(snapshot.POSITIONS)
        if part is None:
            return {}
        loaded = snapshot.load_part(part.data, self.blobs)
        return loaded if isinstance(loaded, dict) else {}

    def track(self, app: WsgiApp) -> WsgiApp:
        """moto's WSGI app, with what its requests change noted for the next snapshot."""
        return StateTracker(app, self._lock, self._changed)

    def start(self) -> None:
        """Save now (what start-up made), then whenever something changed."""
        self._changed.update(_ALL)
        self._thread.start()

    # -- saving -------------------------------------------------------------------------
    def save(self) -> bool:
        """Write a snapshot if anything changed since the last; True if one was written."""
        with self._save_lock:
            if not self._changed and self._read_positions() == self._saved_positions:
                return False
            started = time.perf_counter()
            with self._lock.exclusive():
                held = time.perf_counter()
                changed = set(self._changed)
                self._changed.clear()
                # Read while no request runs: a record a subscription has read was written
                # by a request before, and is in the tables pickled now (or earlier).
                positions = self._read_positions()
                try:
                    self._dump(changed)
                    if positions is not None:
                        self._states[snapshot.POSITIONS] = snapshot.ServiceState(
                            pickle.dumps(positions, protocol=5), frozenset()
                        )
                except BaseException:
                    self._changed.update(changed)
                    raise
                released = time.perf_counter()
            try:
                self.blobs.sync()
                size = snapshot.write_snapshot(self.folder, self._states)
            except BaseException:
                self._changed.update(changed)  # written by the next round
                raise
            used = frozenset().union(*(state.blobs for state in self._states.values()))
            if "s3" in changed:
                # The previous snapshot is kept, and so are its blobs.
                self.blobs.collect(set(used | self._written_blobs))
            self._written_blobs = used
            self._saved_positions = positions
            self.saves += 1
            self.last_save = SaveTimes(
                waited_s=held - started,
                locked_s=released - held,
                total_s=time.perf_counter() - started,
                size=size,
                services=tuple(sorted(changed)),
            )
            logger.debug("STATE saved %s", self.last_save)
            return True

    def _read_positions(self) -> dict[str, Any] | None:
        return self.positions() if self.positions is not None else None

    def _dump(self, changed: set[str]) -> None:
        """Pickle what changed (under the exclusive lock: no request runs)."""
        tables = {c.split(":", 1)[1] for c in changed if c.startswith(f"{snapshot.DYNAMODB}:")}
        if snapshot.DYNAMODB in changed or tables:
            # Stream records older than AWS keeps them go first (moto keeps them all).
            for _, _, backend in snapshot.backends_of(snapshot.DYNAMODB).iter_backends():
                for name, table in backend.tables.items():
                    if snapshot.DYNAMODB in changed or name in tables:
                        stream_shards.trim(table)
        for service in sorted(changed & set(snapshot.PERSISTED)):
            parts = self._pickler.dump(service)
            if service == snapshot.DYNAMODB:
                # All its tables are in parts: a table deleted is no longer.
                self._states = {
                    key: state
                    for key, state in self._states.items()
                    if not key.startswith(f"{snapshot.DYNAMODB}/")
                }
            self._states.update(parts)
        if tables and snapshot.DYNAMODB not in changed:
            self._states.update(self._pickler.dump_tables(tables))

    def next_wait_s(self) -> float:
        """Seconds to the next snapshot: the interval, or longer when a snapshot held the
        requests long (a big Alarms table), so they are held a fifth of the time at most."""
        held = self.last_save.locked_s if self.last_save else 0.0
        return max(self.interval_s, _HOLD_RATIO * held)

    def _run(self) -> None:
        while not self._stop.wait(self.next_wait_s()):
            try:
                self.save()
            except Exception as error:  # the stack goes on; the next round tries again
                logger.error("STATE could not be saved in %s: %s", _shown(self.folder), error)

    def close(self) -> None:
        """Stop the background saver and save what is left (call once moto is idle)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)
        try:
            self.save()
        finally:
            if self._folder_lock is not None:
                self._folder_lock.close()
                self._folder_lock = None

    # -- what the banner says -------------------------------------------------------------
    def describe(self) -> str:
        where = _shown(self.folder)
        if self.restored is not None:
            saved = datetime.fromtimestamp(self.restored.snapshot.saved_at, tz=UTC)
            how = f"restored from the last run, saved {saved:%Y-%m-%d %H:%M:%S} UTC"
        elif self.moved_aside is not None:
            how = f"started fresh; the earlier state is in {_shown(self.moved_aside)}"
        else:
            how = "new"
        return f"State: {where} ({how}); kept across restarts, 'make run ARGS=--fresh' starts empty"


@dataclass(frozen=True)
class SaveTimes:
    """One snapshot: waiting for requests in flight, pickling (requests held), in all."""

    waited_s: float
    locked_s: float
    total_s: float
    size: int
    services: tuple[str, ...]


def keeps_console_user(
    cognito: Any, pool_id: str, username: str, chosen_password: str | None
) -> bool:
    """Whether the console user restored with the state is kept as it is (its password
    unchanged): True when it exists and no password was chosen (``--console-password``)."""
    if chosen_password is not None:
        return False
    try:
        cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    except cognito.exceptions.UserNotFoundException:
        return False
    return True


def _lock_file(path: Path) -> Any:
    """An open file holding an exclusive lock on ``path``, released when it is closed."""
    handle = open(path, "a+")  # noqa: SIM115 - held open for the stack's lifetime
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, as before
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise StateInUse(
            f"another local stack keeps its state in {_shown(path.with_suffix(''))}: "
            "stop it first, or pass --state-dir DIR (or --no-state)"
        ) from None
    return handle


def _shown(path: Path) -> str:
    """The path relative to the working directory when it is inside it (shorter to read)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
