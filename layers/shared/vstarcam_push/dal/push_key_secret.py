"""The stack's push-key secret in SSM Parameter Store, from which every camera's key is derived."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from vstarcam_push.models.push_keys import SECRET_BYTES, new_secret


def secret_parameter(stack_name: str) -> str:
    """The SSM parameter (SecureString) holding the stack's push key secret."""
    return f"/{stack_name}/push-key-secret"


class SecretUnavailable(Exception):
    """The stack's push key secret is missing (and was not to be made) or is not one."""


def load_secret(ssm: Any, name: str, create: bool) -> bytes:
    """The stack's push key secret from the SSM SecureString ``name`` (``secret_parameter``).

    Made on first use (``create``) by whichever tool first issues a key: CloudFormation
    cannot create a SecureString. ``Overwrite=False`` makes a race of two first uses
    harmless: the loser reads the winner's secret.
    """
    try:
        value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        if not create:
            raise SecretUnavailable(
                f"the stack has no push key secret ({name}): no camera has a key yet; "
                "'vstarcam-push cameras add VUID' issues one"
            ) from None
        value = base64.b64encode(new_secret()).decode("ascii")
        try:
            ssm.put_parameter(
                Name=name,
                Value=value,
                Type="SecureString",
                Overwrite=False,
                Description="vstarcam-push: the secret every camera's push key derives from",
            )
        except ssm.exceptions.ParameterAlreadyExists:
            value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    try:
        secret = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        secret = b""
    if len(secret) != SECRET_BYTES:
        raise SecretUnavailable(
            f"the SSM parameter {name} is not a push key secret (32 bytes, base64)"
        )
    return secret
