"""The operator's camera registry: adding, approving, renaming, keying and removing cameras.

Used by the CLI and, through ``admin.cameras``, by the console; the cameras' push
keys are issued and shown here (derived from the stack's secret, never stored).
"""

from __future__ import annotations

import contextlib
from typing import Any

from vstarcam_push.dal.camera_items import PENDING_COUNTER, CamerasTable, camera_key
from vstarcam_push.models.camera import (
    PENDING,
    Camera,
    PushKeyUnavailable,
    Registration,
    check_site,
    clean_name,
)
from vstarcam_push.models.errors import UnknownCamera
from vstarcam_push.models.push_keys import derive_push_key, key_hash, key_matches, new_key_id


class CameraRegistry(CamerasTable):
    def get(self, vuid: str) -> Camera | None:
        if vuid == PENDING_COUNTER:
            return None
        item = self._item(vuid)
        return Camera.from_item(item) if item else None

    def register(
        self, vuid: str, name: str, offline_after: int, now: int, secret: bytes
    ) -> Registration:
        """Add, approve (a pending camera) or rename a camera.

        A new or approved camera, or one registered before push keys existed, is issued
        a push key derived from the stack ``secret``, returned in ``Registration.push_key``;
        a camera that has a key keeps it (``rotate_key`` replaces it). The name follows
        ``clean_name`` (a longer one is refused).
        """
        name = clean_name(name)
        key_id = new_key_id()
        key = derive_push_key(secret, vuid, key_id)
        values = {
            ":name": {"S": name},
            ":offline_after": {"N": str(offline_after)},
            ":hash": {"B": key_hash(key)},
            ":key_id": {"N": str(key_id)},
        }
        try:
            self._update(
                vuid,
                UpdateExpression=(
                    "SET #name = :name, offlineAfter = :offline_after, pushKeyHash = :hash, "
                    "pushKeyId = :key_id, registeredAt = :now"
                ),
                ConditionExpression="attribute_not_exists(vuid)",
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues={**values, ":now": {"N": str(now)}},
            )
            return Registration(created=True, approved=False, push_key=key)
        except self._db.exceptions.ConditionalCheckFailedException:
            pass
        if self._approve(vuid, values):
            return Registration(created=False, approved=True, push_key=key)
        old = self._update(
            vuid,
            UpdateExpression=(
                "SET #name = :name, offlineAfter = :offline_after, "
                "pushKeyHash = if_not_exists(pushKeyHash, :hash), "
                "pushKeyId = if_not_exists(pushKeyId, :key_id)"
            ),
            ExpressionAttributeNames={"#name": "name"},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_OLD",
        ).get("Attributes", {})
        self._move_deadline(vuid, offline_after)
        issued = "pushKeyHash" not in old
        return Registration(created=False, approved=False, push_key=key if issued else None)

    def set_site(self, vuid: str, site: str) -> None:
        """Put a registered camera in a site (``check_site``); an empty site removes it."""
        # A camera that changes site leaves its old site's snooze behind (and does not
        # take on the new site's: a site snooze holds the cameras it found).
        request: dict[str, Any] = {"ConditionExpression": "attribute_exists(vuid)"}
        if site:
            request["UpdateExpression"] = "SET site = :site"
            request["ExpressionAttributeValues"] = {":site": {"S": check_site(site)}}
        else:
            request["UpdateExpression"] = "REMOVE site"
        old = self._update(vuid, ReturnValues="ALL_OLD", **request).get("Attributes", {})
        if "siteSnoozedUntil" in old and old.get("site", {}).get("S", "") != site:
            with contextlib.suppress(self._db.exceptions.ConditionalCheckFailedException):
                # Only the old site's value: a snooze of the new site since then stays.
                self._update(
                    vuid,
                    UpdateExpression="REMOVE siteSnoozedUntil",
                    ConditionExpression="siteSnoozedUntil = :old",
                    ExpressionAttributeValues={":old": old["siteSnoozedUntil"]},
                )

    def snooze(
        self, vuid: str, until: int | None, *, site: str | None = None, longer_only: bool = False
    ) -> bool:
        """Hold every notification of a registered camera until ``until`` (epoch seconds;
        ``SNOOZE_UNTIL_ON``: until turned back on); None turns it back on.

        ``longer_only`` (a notification's "Snooze 1 h", tapped after someone chose longer):
        written only if the camera's snooze ends sooner, atomically; False then too (the
        caller reads the camera to tell a longer snooze from a missing camera).

        Turning a camera back on clears its site's snooze on it too: whoever turns one
        camera on wants to hear from it. False when the camera is not registered (absent
        or pending), or, with ``site`` (``""``: none), no longer in that site (a viewer's
        right to it was checked on its site): the write is conditional, so it never
        creates a camera item.
        """
        if vuid == PENDING_COUNTER:
            return False
        request: dict[str, Any] = {
            "ConditionExpression": "attribute_exists(vuid) AND "
            "(attribute_not_exists(#status) OR #status <> :pending)",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":pending": {"S": PENDING}},
        }
        if site:
            request["ConditionExpression"] += " AND site = :site"
            request["ExpressionAttributeValues"][":site"] = {"S": site}
        elif site is not None:
            request["ConditionExpression"] += " AND attribute_not_exists(site)"
        if until is None:
            request["UpdateExpression"] = "REMOVE snoozedUntil, siteSnoozedUntil"
        else:
            request["UpdateExpression"] = "SET snoozedUntil = :until"
            request["ExpressionAttributeValues"][":until"] = {"N": str(int(until))}
            if longer_only:
                request["ConditionExpression"] += (
                    " AND (attribute_not_exists(snoozedUntil) OR snoozedUntil < :until)"
                )
        try:
            self._update(vuid, **request)
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def snooze_site(self, site: str, until: int | None) -> list[Camera]:
        """Hold (``until``) or release (None) every camera of ``site``; returns them as
        written, by vuid.

        The site's snooze is written to each of its cameras (``siteSnoozedUntil``) rather
        than kept in a record of its own: the notifier reads the camera item anyway, so it
        learns of a site snooze with no second read, and the heartbeat never sees it. A
        camera put in the site later is not snoozed; one moved out leaves the snooze behind
        (``set_site`` clears it). Each write holds only while the camera is still in the site.
        """
        site = check_site(site)
        snoozed = []
        for vuid in self._vuids_of_site(site):
            request: dict[str, Any] = {
                "ConditionExpression": "site = :site",
                "ExpressionAttributeValues": {":site": {"S": site}},
            }
            if until is None:
                request["UpdateExpression"] = "REMOVE siteSnoozedUntil"
            else:
                request["UpdateExpression"] = "SET siteSnoozedUntil = :until"
                request["ExpressionAttributeValues"][":until"] = {"N": str(int(until))}
            try:
                written = self._update(vuid, ReturnValues="ALL_NEW", **request)
            except self._db.exceptions.ConditionalCheckFailedException:
                continue
            snoozed.append(Camera.from_item(written["Attributes"]))
        return snoozed

    def _vuids_of_site(self, site: str) -> list[str]:
        """The cameras of a site: one Scan of the table's keys and sites (no index holds
        the site; the console's list scans the same table)."""
        vuids: list[str] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "ProjectionExpression": "vuid",
            "FilterExpression": "site = :site",
            "ExpressionAttributeValues": {":site": {"S": site}},
        }
        while True:
            page = self._db.scan(**request)
            vuids.extend(item["vuid"]["S"] for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return sorted(vuids)
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _move_deadline(self, vuid: str, offline_after: int) -> None:
        """A changed threshold applies at once: an online camera's deadline is recomputed.

        Conditional on the threshold still being this one, so a concurrent change wins; an
        offline or never-seen camera has no deadline until its next sign of life.
        """
        with contextlib.suppress(self._db.exceptions.ConditionalCheckFailedException):
            self._update(
                vuid,
                UpdateExpression="SET onlineUntil = lastSeen + :offline_after",
                ConditionExpression="#status = :online AND offlineAfter = :offline_after "
                "AND attribute_exists(lastSeen)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":online": {"S": "online"},
                    ":offline_after": {"N": str(offline_after)},
                },
            )

    def _approve(self, vuid: str, values: dict[str, Any]) -> bool:
        """A pending camera becomes registered (with a key) and leaves the pending count."""
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": camera_key(vuid),
                            "UpdateExpression": "SET #name = :name, offlineAfter = "
                            ":offline_after, pushKeyHash = :hash, pushKeyId = :key_id "
                            "REMOVE #status",
                            "ConditionExpression": "#status = :pending",
                            "ExpressionAttributeNames": {"#name": "name", "#status": "status"},
                            "ExpressionAttributeValues": {
                                **values,
                                ":pending": {"S": PENDING},
                            },
                        }
                    },
                    self._pending_count_down(),
                ]
            )
        except self._db.exceptions.TransactionCanceledException:
            return False
        return True

    def _pending_count_down(self) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table,
                "Key": camera_key(PENDING_COUNTER),
                "UpdateExpression": "ADD pendingCameras :minus_one",
                "ConditionExpression": "pendingCameras > :zero",
                "ExpressionAttributeValues": {":minus_one": {"N": "-1"}, ":zero": {"N": "0"}},
            }
        }

    def rotate_key(self, vuid: str, secret: bytes) -> str:
        """Give a registered camera a new push key; the old one stops working at once.

        Returns the new key. A pending camera is approved with ``register``, not here.
        """
        key_id = new_key_id()
        key = derive_push_key(secret, vuid, key_id)
        try:
            self._update(
                vuid,
                UpdateExpression="SET pushKeyHash = :hash, pushKeyId = :key_id",
                ConditionExpression="attribute_exists(vuid) AND "
                "(attribute_not_exists(#status) OR #status <> :pending)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":hash": {"B": key_hash(key)},
                    ":key_id": {"N": str(key_id)},
                    ":pending": {"S": PENDING},
                },
            )
        except self._db.exceptions.ConditionalCheckFailedException as error:
            raise UnknownCamera(vuid) from error
        return key

    def push_key(self, vuid: str, secret: bytes) -> str:
        """The camera's current push key, derived again from the stack ``secret``.

        Raises ``PushKeyUnavailable`` when the camera has no key, or when the secret no
        longer derives the key whose hash is stored (the secret was replaced).
        """
        item = self._item(vuid, consistent=True)
        if item is None or vuid == PENDING_COUNTER:
            raise PushKeyUnavailable(f"camera {vuid} is not registered")
        camera = Camera.from_item(item)
        if camera.pending:
            raise PushKeyUnavailable(
                f"camera {vuid} is pending: approve it with 'vstarcam-push cameras add {vuid}'"
            )
        stored = item.get("pushKeyHash", {}).get("B")
        if camera.push_key_id is None or stored is None:
            raise PushKeyUnavailable(
                f"camera {vuid} has no push key yet: issue one with "
                f"'vstarcam-push cameras rotate-key {vuid}'"
            )
        key = derive_push_key(secret, vuid, camera.push_key_id)
        if not key_matches(key, bytes(stored)):
            raise PushKeyUnavailable(
                f"the stack's push key secret no longer derives camera {vuid}'s key (was the "
                f"secret replaced?): issue a new one with 'vstarcam-push cameras rotate-key {vuid}'"
            )
        return key

    def remove(self, vuid: str) -> bool:
        """Forget a camera (a pending one leaves the pending count); False if there was none."""
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self.table,
                            "Key": camera_key(vuid),
                            "ConditionExpression": "#status = :pending",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {":pending": {"S": PENDING}},
                        }
                    },
                    self._pending_count_down(),
                ]
            )
            return True
        except self._db.exceptions.TransactionCanceledException:
            pass
        try:
            self._db.delete_item(
                TableName=self.table,
                Key=camera_key(vuid),
                ConditionExpression="attribute_exists(vuid)",
            )
            return True
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
