"""The SNS watcher: what the topics sent, and to whom, told on the terminal, since the local
stack has no inbox (a push that gave up is the delivery function's own notice line)."""

from __future__ import annotations

import logging
import threading

from vstarcam_tools.local import inbox
from vstarcam_tools.local.moto_server import sns_backend
from vstarcam_tools.local.report import describe_notification

logger = logging.getLogger("vstarcam_tools.local")

_SNS_POLL_S = 0.2


class SnsWatcher:
    """Logs every message the SNS topics received, read from moto's record of them."""

    def __init__(self, account: str, region: str) -> None:
        self._backend = sns_backend(account, region)
        self._seen: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sns-watcher", daemon=True)

    def start(self) -> None:
        # What a restored state holds was told in an earlier run: only what comes next is.
        self._seen = {arn: len(t.sent_notifications) for arn, t in self._backend.topics.items()}
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._report()

    def _run(self) -> None:
        while not self._stop.wait(_SNS_POLL_S):
            self._report()

    def _report(self) -> None:
        for arn, topic in list(self._backend.topics.items()):
            sent = topic.sent_notifications
            start = self._seen.get(arn, 0)
            self._seen[arn] = len(sent)
            for _, message, subject, attributes, _ in sent[start : len(sent)]:
                logger.info("%s", describe_notification(message, subject, attributes or {}))
                # Who AWS would have emailed or texted (their filter policies applied).
                vuid = ((attributes or {}).get("vuid") or {}).get("Value", "-")
                for person in inbox.people_reached(self._backend, arn, message, attributes):
                    logger.info("%10s-> %s %s (%s)", "", person.protocol, person.endpoint, vuid)
