"""The local stack's moto state on disk: a snapshot file written atomically, media beside it.

How moto is persisted, and why this way
---------------------------------------

moto has no persistence of its own: its server keeps every service's state in
Python objects (the "backends", one per service, account and region) and
offers a reset, not a save. Its recorder (``/moto-api/recorder/``) replays
requests, which cannot restore what was made with random ids (the user pool,
its app client) nor anything time-dependent. Exporting through the AWS APIs and
importing at start loses what those APIs cannot read back: a Cognito user's
password, refresh tokens and MFA secrets, an SQS message's receive count,
a SecureString's history. So the backends themselves are pickled, the way
LocalStack persists moto: moto's models are plain Python objects, and moto
already keeps them picklable in part (an S3 object's ``__getstate__``;
DynamoDB deep-copies tables). What does not pickle is handled here, in the
pickler only, without patching moto:

- locks and conditions (SQS queues, S3 objects) are made anew when loaded;
- the RSA key behind Cognito's token signatures goes through PEM;
- a ``defaultdict`` whose factory is a lambda (SSM's tags) gets an equivalent
  importable factory;
- an S3 object's bytes are stored once in ``blobs/<sha256>`` beside the snapshot,
  so a snapshot holds the media's names, not the media, and a new alarm costs
  its own picture's bytes, not every picture's again.

The snapshot is one file, ``state.pickle``, of parts pickled separately: each
persisted service's backends, DynamoDB's without their tables, and each DynamoDB
table on its own. A part that did not change since the last snapshot is not
pickled again (a heartbeat re-pickles the Cameras table, not the Alarms table).
It is written to a temporary file, flushed to disk, and renamed over the last one
(``os.replace``, atomic): at every moment the folder holds a complete snapshot.
The one it replaces is kept as ``state.previous.pickle`` (a hard link made before
the rename) and loaded if the newest fails to load. Blobs are written the same way
before the snapshot naming them, and removed once neither snapshot names them.

Trust: loading a pickle runs code it names. The folder is the operator's own
(mode 0700, files 0600, in their checkout), as trusted as the checkout's code; it
also holds the stack's secrets (the push-key secret, destinations' tokens, the
console's password), which is one more reason no one else may read it.
"""

from __future__ import annotations

import copyreg
import errno
import functools
import hashlib
import importlib
import io
import os
import pickle
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The services whose state is kept (their SigV4 signing name -> moto's backends).
# The others are made anew at each start from the template (CloudFormation's
# outputs, CloudWatch's alarms) or hold nothing worth keeping (DynamoDB Streams'
# iterators: the stream's records are in the table's backend).
PERSISTED: dict[str, tuple[str, str]] = {
    "dynamodb": ("moto.dynamodb.models", "dynamodb_backends"),
    "s3": ("moto.s3.models", "s3_backends"),
    "ssm": ("moto.ssm.models", "ssm_backends"),
    "sqs": ("moto.sqs.models", "sqs_backends"),
    "sns": ("moto.sns.models", "sns_backends"),
    "cognito-idp": ("moto.cognitoidp.models", "cognitoidp_backends"),
    # The push deliveries' retries waiting in their one-time schedules.
    "scheduler": ("moto.scheduler.models", "scheduler_backends"),
}

FORMAT = 1
DYNAMODB = "dynamodb"
# Not a service: where each stream subscription of the stack goes on from (shard ->
# position), pickled with the tables it points into, so the two always agree.
POSITIONS = "event-source-positions"
SNAPSHOT = "state.pickle"
PREVIOUS = "state.previous.pickle"
BLOBS = "blobs"
_PROTOCOL = 5
# A service pickled while a request changes it (only SQS's unlocked long polls can) may
# see a dict change size; it is pickled again.
_PICKLE_ATTEMPTS = 5


# What every moto BackendDict has; anything else on one is the service's own shared state.
_BACKEND_DICT_FIELDS = frozenset(
    {"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"}
)


class StateUnreadable(Exception):
    """Neither snapshot in the folder could be loaded."""


def backends_of(service: str) -> Any:
    module, name = PERSISTED[service]
    return getattr(importlib.import_module(module), name)


# -- blobs ----------------------------------------------------------------------------


class BlobStore:
    """Content-addressed files (``blobs/ab/abcdef...``): an S3 object's bytes, written once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._unsynced: list[Path] = []
        self._lock = threading.Lock()

    def path(self, digest: str) -> Path:
        return self.folder / digest[:2] / digest

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest)
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_file(path, data, sync=False)
            with self._lock:
                self._unsynced.append(path)
        return digest

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def sync(self) -> None:
        """Flush the blobs written since the last call to disk (before a snapshot names them)."""
        with self._lock:
            paths, self._unsynced = self._unsynced, []
        for path in paths:
            _fsync_path(path)
        for folder in {path.parent for path in paths}:
            _fsync_path(folder)

    def collect(self, keep: set[str]) -> int:
        """Remove the blobs not in ``keep``; returns how many."""
        removed = 0
        if not self.folder.is_dir():
            return 0
        for sub in self.folder.iterdir():
            for path in sub.iterdir() if sub.is_dir() else []:
                if path.name not in keep:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


# -- pickling -------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceState:
    """One service's backends, pickled, and the blobs the pickle names."""

    data: bytes
    blobs: frozenset[str]


class _KeyDigests:
    """The blob of each S3 object already stored, by object identity: the bytes of an
    object are read and hashed once, not at each snapshot."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[weakref.ref[Any], int, str]] = {}

    def get(self, key: Any) -> str | None:
        known = self._known.get(id(key))
        if known and known[0]() is key and known[1] == key.contentsize:
            return known[2]
        return None

    def remember(self, key: Any, digest: str) -> None:
        self._known[id(key)] = (weakref.ref(key), key.contentsize, digest)

    def prune(self) -> None:
        self._known = {k: v for k, v in self._known.items() if v[0]() is not None}


class Pickler:
    """Pickles moto backends, with the few types moto cannot pickle handled (see above).

    A service is one part of the snapshot, but DynamoDB is one part per table plus one
    for the rest of its backends: a heartbeat changes the Cameras table, and pickling the
    Alarms table (the biggest) again for it would hold every request for nothing.
    """

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self._digests = _KeyDigests()
        self._table: dict[type, Any] | None = None
        self._used: set[str] = set()

    def dump(self, service: str) -> dict[str, ServiceState]:
        """Every part of ``service``: ``{part key: pickled}`` (DynamoDB: its tables too)."""
        backends = backends_of(service)
        document: dict[str, Any] = {
            "backends": {
                account: dict(per_account.items())
                for account, per_account in list(backends.items())
            },
            # What a service keeps across accounts (S3's bucket name index).
            "shared": {
                name: value
                for name, value in vars(backends).items()
                if name not in _BACKEND_DICT_FIELDS
            },
        }
        if service != DYNAMODB:
            return {service: self._pickle(document)}
        document["tables"] = {
            account: {region: list(backend.tables) for region, backend in regions.items()}
            for account, regions in document["backends"].items()
        }
        parts = {service: self._pickle(document)}
        parts.update(self.dump_tables(None))
        return parts

    def dump_tables(self, names: Iterable[str] | None) -> dict[str, ServiceState]:
        """The DynamoDB tables called ``names`` (None: all), each its own part."""
        wanted = None if names is None else set(names)
        parts = {}
        for account, region, backend in backends_of(DYNAMODB).iter_backends():
            for name, table in list(backend.tables.items()):
                if wanted is None or name in wanted:
                    parts[table_part(account, region, name)] = self._pickle(table)
        return parts

    def _pickle(self, value: Any) -> ServiceState:
        if self._table is None:
            # Made once moto's models are imported: the defaultdict subclasses are theirs.
            for name in PERSISTED:
                backends_of(name)
            self._table = _dispatch_table(self._reduce_s3_object)
        for attempt in range(_PICKLE_ATTEMPTS):
            self._used = set()
            buffer = io.BytesIO()
            pickler = pickle.Pickler(buffer, protocol=_PROTOCOL)
            pickler.dispatch_table = self._table  # type: ignore[misc]
            try:
                pickler.dump(value)
            except RuntimeError:
                # "changed size during iteration": a request ran alongside (SQS long poll).
                if attempt == _PICKLE_ATTEMPTS - 1:
                    raise
                time.sleep(0.01)
                continue
            self._digests.prune()
            return ServiceState(buffer.getvalue(), frozenset(self._used))
        raise AssertionError("unreachable")

    def _reduce_s3_object(self, key: Any) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        # As moto's FakeKey.__getstate__, but the bytes go to a blob, read once per object.
        state = {k: v for k, v in key.__dict__.items() if k not in ("_value_buffer", "lock")}
        digest = self._digests.get(key)
        if digest is None:
            try:
                value = key.value
            except ValueError:
                value = b""  # moto: a deleted object's closed buffer
            digest = self.blobs.put(value)
            self._digests.remember(key, digest)
        self._used.add(digest)
        return (_s3_object, (type(key), state, digest))


def table_part(account: str, region: str, name: str) -> str:
    """The snapshot part of one DynamoDB table."""
    return f"{DYNAMODB}/{account}/{region}/{name}"


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, blobs: BlobStore) -> None:
        super().__init__(file)
        self._blobs = blobs

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_s3_object":
            # The blob's bytes come from this folder's store.
            return functools.partial(_s3_object_from_blob, self._blobs)
        return super().find_class(module, name)


def load_part(data: bytes, blobs: BlobStore) -> Any:
    """What :meth:`Pickler.dump` pickled as one part (not installed yet)."""
    return _Unpickler(io.BytesIO(data), blobs).load()


def install(service: str, loaded: dict[str, Any], parts: dict[str, Any]) -> None:
    """Put loaded backends in place of moto's (before its server serves a request);
    ``parts`` are the other loaded parts (DynamoDB's tables)."""
    if not isinstance(loaded, dict) or not {"backends", "shared"} <= set(loaded):
        raise ValueError(f"{service}: not a snapshot of backends")
    backends = backends_of(service)
    for account, regions in loaded["backends"].items():
        per_account = backends[account]
        for region, backend in regions.items():
            if service == DYNAMODB:
                backend.tables = {
                    name: parts[table_part(account, region, name)]
                    for name in loaded["tables"][account][region]
                }
            per_account[region] = backend
    for name, value in loaded["shared"].items():
        current = getattr(backends, name, None)
        if isinstance(current, dict) and isinstance(value, dict):
            current.update(value)
        else:
            setattr(backends, name, value)


def _s3_object(kind: type, state: dict[str, Any], value: bytes) -> Any:
    key = kind.__new__(kind)
    key.__setstate__({**state, "value": value})
    return key


def _s3_object_from_blob(blobs: BlobStore, kind: type, state: dict[str, Any], digest: str) -> Any:
    return _s3_object(kind, state, blobs.get(digest))


def _new_lock() -> Any:
    return threading.Lock()


def _new_rlock() -> Any:
    return threading.RLock()


def _new_condition() -> Any:
    return threading.Condition()


def _reduce_lock(_: Any) -> tuple[Callable[[], Any], tuple[()]]:
    return (_new_lock, ())


def _reduce_rlock(_: Any) -> tuple[Callable[[], Any], tuple[()]]:
    return (_new_rlock, ())


def _reduce_condition(_: Any) -> tuple[Callable[[], Any], tuple[()]]:
    return (_new_condition, ())


def _private_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(pem, password=None)


def _reduce_private_key(key: Any) -> tuple[Callable[[bytes], Any], tuple[bytes]]:
    from cryptography.hazmat.primitives import serialization

    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (_private_key, (pem,))


def _reduce_defaultdict(value: defaultdict[Any, Any]) -> Any:
    factory = value.default_factory
    if factory is not None and getattr(factory, "__name__", "") == "<lambda>":
        factory = _importable_factory(factory)
    if type(value) is defaultdict:
        return (defaultdict, (factory,), None, None, iter(value.items()))
    # A subclass (SSM's ParameterDict) may take other arguments than a factory: made
    # without calling its __init__, its attributes and factory set afterwards.
    return (
        copyreg.__newobj__,  # type: ignore[attr-defined]
        (type(value),),
        (dict(vars(value)) or None, {"default_factory": factory}),
        None,
        iter(value.items()),
    )


def _importable_factory(factory: Callable[[], Any]) -> Callable[[], Any]:
    """An importable factory making what a lambda factory makes (``defaultdict(dict)``...)."""
    sample = factory()
    if isinstance(sample, defaultdict):
        inner = sample.default_factory
        if inner is not None and getattr(inner, "__name__", "") == "<lambda>":
            inner = _importable_factory(inner)
        return functools.partial(defaultdict, inner)
    if type(sample) in (dict, list, set, int, str):
        return type(sample)
    raise pickle.PicklingError(f"cannot keep a defaultdict whose factory makes {sample!r}")


def _reduce_dynamodb_backend(backend: Any) -> Any:
    """DynamoDB's backend without its tables (each table is a part of its own)."""
    state = {name: value for name, value in vars(backend).items() if name != "tables"}
    return (copyreg.__newobj__, (type(backend),), state)  # type: ignore[attr-defined]


def _dispatch_table(reduce_s3_object: Callable[[Any], Any]) -> dict[type, Any]:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.s3.models import FakeKey

    table: dict[type, Any] = dict(copyreg.dispatch_table)
    table[DynamoDBBackend] = _reduce_dynamodb_backend
    table[type(threading.Lock())] = _reduce_lock
    table[type(threading.RLock())] = _reduce_rlock
    table[threading.Condition] = _reduce_condition
    for kind in _subclasses(defaultdict):
        table[kind] = _reduce_defaultdict
    table[FakeKey] = reduce_s3_object
    for kind in _private_key_types():
        table[kind] = _reduce_private_key
    return table


def _subclasses(kind: type) -> list[type]:
    found, pending = [], [kind]
    while pending:
        current = pending.pop()
        found.append(current)
        pending += current.__subclasses__()
    return found


def _private_key_types() -> Iterable[type]:
    """cryptography's RSA and EC private key classes (built in Rust: no pickling)."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
    except ImportError:  # pragma: no cover - moto needs cryptography
        return []
    kinds: list[type] = [rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]
    try:
        from cryptography.hazmat.bindings._rust import openssl

        kinds += [openssl.rsa.RSAPrivateKey, openssl.ec.ECPrivateKey]
    except (ImportError, AttributeError):
        pass
    return kinds


# -- the snapshot file ----------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    saved_at: float
    moto_version: str
    services: dict[str, ServiceState]


def write_snapshot(folder: Path, services: dict[str, ServiceState]) -> int:
    """Write the snapshot atomically (the last one kept as the previous); returns its size."""
    import moto

    document = {
        "format": FORMAT,
        "moto": moto.__version__,
        "saved_at": time.time(),
        "services": {name: (state.data, sorted(state.blobs)) for name, state in services.items()},
    }
    data = pickle.dumps(document, protocol=_PROTOCOL)
    current = folder / SNAPSHOT
    temporary = folder / f"{SNAPSHOT}.{os.getpid()}.tmp"
    _write_file(temporary, data, sync=True)
    if current.exists():
        _keep_as_previous(current, folder / PREVIOUS)
    os.replace(temporary, current)
    _fsync_path(folder)
    return len(data)


def _keep_as_previous(current: Path, previous: Path) -> None:
    """The current snapshot becomes the previous one, and stays the current one until the
    new one replaces it (a second name for the same file): there is always a current one."""
    linked = previous.with_name(f"{previous.name}.{os.getpid()}.tmp")
    try:
        linked.unlink(missing_ok=True)
        os.link(current, linked)
    except OSError:
        # No hard links here: a moment without a current snapshot, when the previous loads.
        os.replace(current, previous)
        return
    os.replace(linked, previous)


def read_snapshot(path: Path) -> Snapshot:
    document = pickle.loads(path.read_bytes())
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path.name}: not a snapshot of format {FORMAT}")
    return Snapshot(
        saved_at=float(document["saved_at"]),
        moto_version=str(document["moto"]),
        services={
            name: ServiceState(bytes(data), frozenset(blobs))
            for name, (data, blobs) in document["services"].items()
        },
    )


@dataclass(frozen=True)
class Restored:
    snapshot: Snapshot
    path: Path
    # Why a newer snapshot was passed over, if it was.
    skipped: str = ""


def restore(folder: Path, blobs: BlobStore) -> Restored | None:
    """Load the newest snapshot that loads whole and install it; None if there is none.

    Every service is loaded before any is installed, so a snapshot that fails
    halfway leaves moto as it was and the previous one is tried.
    """
    reasons = []
    for name in (SNAPSHOT, PREVIOUS):
        path = folder / name
        if not path.exists():
            continue
        try:
            snapshot = read_snapshot(path)
            loaded = {key: load_part(state.data, blobs) for key, state in snapshot.services.items()}
            # Checked whole before any is installed: a table missing is a snapshot refused.
            for service in PERSISTED:
                if service in loaded:
                    install(service, loaded[service], loaded)
        except Exception as error:  # any failure to load is reported, none is fatal here
            reasons.append(f"{name}: {type(error).__name__}: {error}")
            continue
        return Restored(snapshot, path, skipped="; ".join(reasons))
    if reasons:
        raise StateUnreadable("; ".join(reasons))
    return None


# -- files ----------------------------------------------------------------------------


def _write_file(path: Path, data: bytes, sync: bool) -> None:
    """``data`` at ``path`` via a temporary file and a rename: never a half-written file."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            if sync:
                file.flush()
                os.fsync(file.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)


def _fsync_path(path: Path) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError as error:
        # Some file systems cannot sync a directory; the rename is still atomic.
        if error.errno not in (errno.EINVAL, errno.EBADF, errno.EISDIR):
            raise
    finally:
        os.close(descriptor)
