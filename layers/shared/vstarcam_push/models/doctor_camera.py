"""The doctor's test camera: what ``vstarcam-push doctor`` sends is marked, so nobody is told.

``vstarcam-push doctor`` proves a stack works by registering a temporary camera
whose vuid starts with :data:`PROBE_VUID_PREFIX` (no VStarcam vuid does: theirs
are letters, seven digits, letters) and pushing a heartbeat and an alarm as that
camera. Every notification about such a camera carries the message attribute
:data:`TEST_ATTRIBUTE`; the stack's email and SMS subscriptions have a filter
policy that drops messages carrying it (``template.yaml``), so running the
doctor never emails or texts the owner, while its own temporary SQS queue
(filtered on the test camera's vuid) still sees the notification.
"""

from __future__ import annotations

import re

PROBE_VUID_PREFIX = "DOCTOR"
# 'doctor --channels': this test camera's notifications go to the push channels too
# (never to email or SMS). "PUSH" is not hex, so the two forms cannot be confused.
CHANNELS_MARK = "PUSH"
PROBE_VUID_HEX_DIGITS = 12
_PROBE_VUID = re.compile(
    rf"{PROBE_VUID_PREFIX}(?:{CHANNELS_MARK})?[0-9A-F]{{{PROBE_VUID_HEX_DIGITS}}}"
)
# The name is part of the subscriptions' filter policies in template.yaml.
TEST_ATTRIBUTE = "test"
TEST_ATTRIBUTE_VALUE = "vstarcam-push doctor"


def is_probe(vuid: str) -> bool:
    """True for the doctor's test cameras (``DOCTOR``, maybe ``PUSH``, 12 upper-case hex)."""
    return _PROBE_VUID.fullmatch(vuid) is not None


def pushes_to_channels(vuid: str) -> bool:
    """Whether notifications about this camera go to the push channels: every real camera,
    and only the test cameras of 'doctor --channels'."""
    return not is_probe(vuid) or vuid.startswith(PROBE_VUID_PREFIX + CHANNELS_MARK)


def probe_attributes(vuid: str) -> dict[str, str]:
    """The message attributes that mark a notification about a test camera; none otherwise."""
    return {TEST_ATTRIBUTE: TEST_ATTRIBUTE_VALUE} if is_probe(vuid) else {}
