"""The one error hierarchy: each error carries its wire code and a message a person can act on."""

from __future__ import annotations


class PushError(Exception):
    """A request the receiver refuses; ``status`` is both the HTTP status and the wire code."""

    status = 400

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        # A short, stable label for the "refusals by reason" metric.
        self.reason = reason


class BadRequest(PushError):
    status = 400


class UnknownCamera(PushError):
    """Every refused camera: unknown, pending, or a missing or wrong push key.

    The message depends only on the vuid the sender gave, so a guesser cannot tell
    a wrong key from an unknown camera; the metric ``reason`` can.
    """

    status = 403

    def __init__(self, vuid: str, reason: str = "unknown_camera") -> None:
        super().__init__(
            f"camera {vuid} is not registered or its push key is wrong: register it with "
            f"'vstarcam-push cameras add {vuid}' and set the URLs "
            f"'vstarcam-push cameras urls {vuid}' prints",
            reason=reason,
        )
        self.vuid = vuid


class NotFound(PushError):
    """A request a function URL delivered that is on no camera route (any path reaches it)."""

    status = 404


class TooManyRequests(PushError):
    status = 429


class PayloadTooLarge(PushError):
    status = 413


class UnsupportedMediaType(PushError):
    status = 415


class StorageFailure(PushError):
    """An AWS call failed: the request was not (completely) stored and the camera should retry."""

    status = 500


# The error codes of an AWS call refused for capacity (DynamoDB's provisioned capacity, its
# on-demand limits, an account's request rate). Such a call wrote nothing.
THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "Throttling",
        "SlowDown",  # S3
    }
)


def throttled(error: BaseException | None) -> bool:
    """Was ``error`` (or an error it was raised from) an AWS call refused for capacity?

    Read from botocore's ``ClientError.response`` by duck typing: the models import no boto3.
    """
    seen = 0
    while error is not None and seen < 5:
        response = getattr(error, "response", None)
        if isinstance(response, dict) and response.get("Error", {}).get("Code") in THROTTLING_CODES:
            return True
        error, seen = error.__cause__, seen + 1
    return False
