"""Managing the console's users: the rules and refusals the console's Users page and the
CLI share (``vstarcam-push users``).

A user's access is their role and, for a viewer, their sites or all sites
(``models/access.py``). An admin cannot change or remove their own account from the
console: the last admin cannot lock everyone out of the Users page by mistake (the CLI,
with the AWS account's credentials, can still do anything).
"""

from __future__ import annotations

import re
from typing import Any

from vstarcam_push.dal.console_users import ConsoleUsers, UserExists, UserNotFound
from vstarcam_push.models.access import ADMIN, MAX_SITES, ROLES, VIEWER, Access
from vstarcam_push.models.camera import check_site
from vstarcam_push.models.errors import BadRequest, PushError

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL_LENGTH = 128


class UserUnknown(PushError):
    status = 404

    def __init__(self, username: str) -> None:
        super().__init__(f"console user {username} does not exist", reason="user_unknown")


class UserAlreadyThere(PushError):
    status = 409

    def __init__(self, username: str) -> None:
        super().__init__(f"console user {username} already exists", reason="user_exists")


class OwnAccount(PushError):
    status = 409

    def __init__(self) -> None:
        super().__init__(
            "you cannot change or remove your own account here: another admin can, "
            "or 'vstarcam-push users'",
            reason="own_account",
        )


def check_email(value: object) -> str:
    """An email address as a user name: one address, no spaces, at most 128 characters."""
    email = value.strip() if isinstance(value, str) else ""
    if not _EMAIL.fullmatch(email) or len(email) > MAX_EMAIL_LENGTH:
        raise BadRequest("email must be an email address", reason="email_invalid")
    return email


def access_of(username: str, document: dict[str, Any], current: Access | None) -> Access:
    """The access a form asks for: ``role``, ``sites`` (a list of site names) or
    ``allSites``; what it leaves out is kept from ``current``."""
    role = document.get("role", current.role if current else None)
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}", reason="role_invalid")
    sites, all_sites = document.get("sites"), document.get("allSites")
    if all_sites is not None and not isinstance(all_sites, bool):
        raise BadRequest("allSites must be true or false", reason="all_sites_invalid")
    if role == ADMIN:
        if sites or all_sites:
            raise BadRequest(
                "an admin sees every site: sites and allSites are for viewers",
                reason="admin_sites",
            )
        return Access(username, ADMIN)
    if sites is not None:
        if all_sites:
            raise BadRequest("give sites or allSites, not both", reason="sites_conflict")
        return Access(username, VIEWER, _sites(sites))
    if all_sites:
        return Access(username, VIEWER, all_sites=True)
    # Only the role given (or nothing): a viewer keeps their sites.
    kept = current is not None and current.role == VIEWER and all_sites is None
    if kept and current is not None and (current.sites or current.all_sites):
        return Access(username, VIEWER, current.sites, current.all_sites)
    raise BadRequest("a viewer needs their sites, or allSites", reason="sites_missing")


def _sites(value: object) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise BadRequest("sites must be a non-empty list of site names", reason="sites_invalid")
    if len(value) > MAX_SITES:
        raise BadRequest(f"at most {MAX_SITES} sites per user", reason="sites_too_many")
    try:
        return frozenset(check_site(site.strip()) for site in value)
    except ValueError as error:
        raise BadRequest(str(error), reason="site_invalid") from error


class UserAdmin:
    """The console's user management, as ``by`` (the signed-in admin) asks for it."""

    def __init__(self, users: ConsoleUsers) -> None:
        self.users = users

    def list(self) -> list[dict[str, Any]]:
        return [user.to_json() for user in self.users.list()]

    def add(self, document: dict[str, Any]) -> Access:
        email = check_email(document.get("email"))
        access = access_of(email, document, None)
        try:
            self.users.add(email, access)
        except UserExists:
            raise UserAlreadyThere(email) from None
        return access

    def change(self, username: str, document: dict[str, Any], by: str) -> tuple[Access, Access]:
        """(before, after)."""
        self._not_own(username, by)
        try:
            current = self.users.access_of(username)
            access = access_of(username, document, current)
            self.users.set_access(username, access)
        except UserNotFound:
            raise UserUnknown(username) from None
        return current, access

    def remove(self, username: str, by: str) -> None:
        self._not_own(username, by)
        try:
            self.users.remove(username)
        except UserNotFound:
            raise UserUnknown(username) from None

    @staticmethod
    def _not_own(username: str, by: str) -> None:
        if username.casefold() == by.casefold():
            raise OwnAccount()
