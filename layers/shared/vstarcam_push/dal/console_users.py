"""The console's users in the stack's Cognito user pool: accounts, roles and sites.

A user's role and sites are their groups (``models/access.py``). There is no
self sign-up: an admin adds each user (the CLI's ``users add``, the console's
Users page), and Cognito emails them a temporary password; no password passes
through here. Site groups are made the first time a user is given the site.

A change of role or sites reaches the user's next token: the page renews its
10-minute access token with the refresh token, and the renewed one names the
groups as they are then. Removing a user signs them out everywhere first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from vstarcam_push.models.access import Access, managed_group

# Listings are bounded: 60 users a page, 100 pages; 60 groups a page, 200 pages.
_USER_PAGES = 100
_GROUP_PAGES = 200
# AdminGetUser (MFA) for many users at once, well within Cognito's request rate.
_PARALLEL = 8


class UserExists(Exception):
    pass


class UserNotFound(Exception):
    pass


@dataclass(frozen=True)
class ConsoleUser:
    username: str
    email: str | None
    status: str | None
    enabled: bool
    created_at: float | None
    access: Access
    # None when not read (a listing without details), else whether TOTP is set up.
    mfa: bool | None = None
    # The last successful sign-in (epoch seconds), when Cognito keeps sign-in events
    # (threat protection on the pool); else None.
    last_sign_in: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "email": self.email,
            "role": self.access.role,
            "sites": sorted(self.access.sites) if not self.access.every_site else None,
            "allSites": self.access.every_site,
            "mfa": self.mfa,
            "status": self.status,
            "enabled": self.enabled,
            "createdAt": self.created_at,
            "lastSignIn": self.last_sign_in,
        }


def _epoch(value: Any) -> float | None:
    return value.timestamp() if hasattr(value, "timestamp") else None


class ConsoleUsers:
    def __init__(self, cognito: Any, pool_id: str) -> None:
        self._cognito = cognito
        self.pool_id = pool_id

    # -- changes -----------------------------------------------------------------
    def add(self, email: str, access: Access) -> None:
        """Create the user (Cognito emails the temporary password), then give the access."""
        try:
            self._cognito.admin_create_user(
                UserPoolId=self.pool_id,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )
        except self._cognito.exceptions.UsernameExistsException:
            raise UserExists(email) from None
        self._join(email, access.groups())

    def set_access(self, username: str, access: Access) -> Access:
        """Make the user's groups those of ``access``; the access they had before."""
        before = self.groups_of(username)
        wanted = access.groups()
        self._join(username, wanted - before)
        for group in sorted(before - wanted):
            if managed_group(group):
                self._cognito.admin_remove_user_from_group(
                    UserPoolId=self.pool_id, Username=username, GroupName=group
                )
        return Access.of_groups(username, before)

    def remove(self, username: str) -> None:
        """Sign the user out everywhere, then delete them.

        Deleting alone would leave their refresh tokens to Cognito's own checks; the global
        sign-out revokes every one of them first, so no session of theirs can be renewed. An
        access or ID token already issued is not checked for revocation by the API's JWT
        authorizer: it works until it expires (the app client's 10 minutes).
        """
        try:
            self._cognito.admin_user_global_sign_out(UserPoolId=self.pool_id, Username=username)
            self._cognito.admin_delete_user(UserPoolId=self.pool_id, Username=username)
        except self._cognito.exceptions.UserNotFoundException:
            raise UserNotFound(username) from None

    def _join(self, username: str, groups: Iterable[str]) -> None:
        for group in sorted(groups):
            try:
                self._add_to_group(username, group)
            except self._cognito.exceptions.ResourceNotFoundException:
                # A site's group is made the first time someone is given the site.
                self._create_group(group)
                self._add_to_group(username, group)

    def _add_to_group(self, username: str, group: str) -> None:
        try:
            self._cognito.admin_add_user_to_group(
                UserPoolId=self.pool_id, Username=username, GroupName=group
            )
        except self._cognito.exceptions.UserNotFoundException:
            raise UserNotFound(username) from None

    def _create_group(self, group: str) -> None:
        # Made meanwhile by another admin: the same group.
        with contextlib.suppress(self._cognito.exceptions.GroupExistsException):
            self._cognito.create_group(
                UserPoolId=self.pool_id,
                GroupName=group,
                Description="A site of the console's viewers (vstarcam-push users)",
            )

    # -- reading -----------------------------------------------------------------
    def groups_of(self, username: str) -> set[str]:
        groups: set[str] = set()
        request: dict[str, Any] = {"UserPoolId": self.pool_id, "Username": username, "Limit": 60}
        try:
            for _ in range(_GROUP_PAGES):
                page = self._cognito.admin_list_groups_for_user(**request)
                groups.update(group["GroupName"] for group in page.get("Groups", []))
                if not page.get("NextToken"):
                    break
                request["NextToken"] = page["NextToken"]
        except self._cognito.exceptions.UserNotFoundException:
            raise UserNotFound(username) from None
        return groups

    def access_of(self, username: str) -> Access:
        return Access.of_groups(username, self.groups_of(username))

    def get(self, username: str) -> ConsoleUser:
        try:
            user = self._cognito.admin_get_user(UserPoolId=self.pool_id, Username=username)
        except self._cognito.exceptions.UserNotFoundException:
            raise UserNotFound(username) from None
        found = self._user(user, user.get("UserAttributes", []), self.groups_of(username))
        return self._with_details(found, self._sign_ins())

    def list(self, details: bool = True) -> list[ConsoleUser]:
        """Every user with their role and sites (one ListUsersInGroup per group); with
        ``details``, MFA and the last sign-in too (one or two calls per user)."""
        members: dict[str, set[str]] = {}
        for group in self._groups():
            if managed_group(group):
                for username in self._members(group):
                    members.setdefault(username, set()).add(group)
        users = [
            self._user(user, user.get("Attributes", []), members.get(user["Username"], set()))
            for user in self._users()
        ]
        if details and users:
            sign_ins = self._sign_ins()
            with ThreadPoolExecutor(max_workers=min(_PARALLEL, len(users))) as pool:
                users = list(pool.map(lambda user: self._with_details(user, sign_ins), users))
        return sorted(users, key=lambda user: user.username)

    def _user(self, user: dict[str, Any], attributes: list[dict], groups: set[str]) -> ConsoleUser:
        values = {a["Name"]: a["Value"] for a in attributes}
        return ConsoleUser(
            username=user["Username"],
            email=values.get("email"),
            status=user.get("UserStatus"),
            enabled=user.get("Enabled", True),
            created_at=_epoch(user.get("UserCreateDate")),
            access=Access.of_groups(user["Username"], groups),
        )

    def _with_details(
        self, user: ConsoleUser, sign_ins: Callable[[str], float | None] | None
    ) -> ConsoleUser:
        try:
            answer = self._cognito.admin_get_user(UserPoolId=self.pool_id, Username=user.username)
        except self._cognito.exceptions.UserNotFoundException:
            return user  # removed meanwhile
        mfa = bool(answer.get("UserMFASettingList"))
        last = sign_ins(user.username) if sign_ins is not None else None
        return replace(user, mfa=mfa, last_sign_in=last)

    def _sign_ins(self) -> Callable[[str], float | None] | None:
        """How to read a user's last sign-in, if Cognito keeps sign-in events for this
        pool: only with threat protection (UserPoolAddOns), which the template leaves off."""
        pool = self._cognito.describe_user_pool(UserPoolId=self.pool_id)["UserPool"]
        mode = (pool.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode", "OFF")
        if mode == "OFF":
            return None

        def last_sign_in(username: str) -> float | None:
            events = self._cognito.admin_list_user_auth_events(
                UserPoolId=self.pool_id, Username=username, MaxResults=20
            ).get("AuthEvents", [])
            for event in events:  # newest first
                if event.get("EventType") == "SignIn" and event.get("EventResponse") == "Pass":
                    return _epoch(event.get("CreationDate"))
            return None

        return last_sign_in

    def _users(self) -> list[dict[str, Any]]:
        users: list[dict[str, Any]] = []
        request: dict[str, Any] = {"UserPoolId": self.pool_id, "Limit": 60}
        for _ in range(_USER_PAGES):
            page = self._cognito.list_users(**request)
            users.extend(page.get("Users", []))
            if not page.get("PaginationToken"):
                break
            request["PaginationToken"] = page["PaginationToken"]
        return users

    def _groups(self) -> list[str]:
        groups: list[str] = []
        request: dict[str, Any] = {"UserPoolId": self.pool_id, "Limit": 60}
        for _ in range(_GROUP_PAGES):
            page = self._cognito.list_groups(**request)
            groups.extend(group["GroupName"] for group in page.get("Groups", []))
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
        return groups

    def _members(self, group: str) -> list[str]:
        names: list[str] = []
        request: dict[str, Any] = {"UserPoolId": self.pool_id, "GroupName": group, "Limit": 60}
        for _ in range(_USER_PAGES):
            page = self._cognito.list_users_in_group(**request)
            names.extend(user["Username"] for user in page.get("Users", []))
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
        return names
