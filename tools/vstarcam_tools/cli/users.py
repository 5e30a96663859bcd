"""``vstarcam-push users``: the web console's accounts (the stack's Cognito user pool).

There is no self sign-up: the owner adds each user here (or with the stack
parameter ``ConsoleAdminEmail``). Cognito emails the new user a temporary
password; the first sign-in asks for their own. No password passes through
this command.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from vstarcam_tools.cli.common import (
    CliError,
    StackContext,
    add_stack_options,
    format_table,
    iso_time,
    print_json,
)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# A listing is bounded: 60 users a page, 100 pages.
_MAX_PAGES = 100


def _email(value: str) -> str:
    email = value.strip()
    if not _EMAIL.fullmatch(email) or len(email) > 128:
        raise argparse.ArgumentTypeError(f"{value!r} is not an email address")
    return email


def _pool(args: argparse.Namespace) -> tuple[Any, str]:
    context = StackContext.resolve(args)
    pool = context.outputs.raw.get("ConsoleUserPoolId")
    if not pool:
        raise CliError(
            f"stack {context.name} has no web console (no ConsoleUserPoolId output): "
            "deploy the current template with 'sam deploy'"
        )
    return context.client("cognito-idp"), pool


def _add(args: argparse.Namespace) -> int:
    cognito, pool = _pool(args)
    try:
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=args.email,
            UserAttributes=[
                {"Name": "email", "Value": args.email},
                {"Name": "email_verified", "Value": "true"},
            ],
            DesiredDeliveryMediums=["EMAIL"],
        )
    except cognito.exceptions.UsernameExistsException:
        raise CliError(f"console user {args.email} already exists") from None
    print(
        f"added console user {args.email}: Cognito emails a temporary password, "
        "and the first sign-in asks for a new one"
    )
    return 0


def _users(cognito: Any, pool: str) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    request: dict[str, Any] = {"UserPoolId": pool, "Limit": 60}
    for _ in range(_MAX_PAGES):
        page = cognito.list_users(**request)
        users.extend(page.get("Users", []))
        if not page.get("PaginationToken"):
            break
        request["PaginationToken"] = page["PaginationToken"]
    return users


def user_json(user: dict[str, Any]) -> dict[str, Any]:
    attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
    created = user.get("UserCreateDate")
    return {
        "username": user["Username"],
        "email": attributes.get("email"),
        "status": user.get("UserStatus"),
        "enabled": user.get("Enabled", True),
        "createdAt": iso_time(created.timestamp()) if created else None,
    }


def _list(args: argparse.Namespace) -> int:
    cognito, pool = _pool(args)
    users = sorted((user_json(u) for u in _users(cognito, pool)), key=lambda u: u["username"])
    if args.json:
        print_json(users)
        return 0
    if not users:
        print("no console users: add one with 'vstarcam-push users add EMAIL'")
        return 0
    rows = [
        [u["username"], u["email"] or "-", u["status"] or "-", u["createdAt"] or "-"] for u in users
    ]
    print(format_table(["USER", "EMAIL", "STATUS", "CREATED"], rows))
    return 0


def _remove(args: argparse.Namespace) -> int:
    """Sign the user out everywhere, then delete them.

    Deleting alone would leave their refresh tokens to Cognito's own checks; the global
    sign-out revokes every one of them first, so no session of theirs can be renewed. An
    access or ID token already issued is not checked for revocation by the API's JWT
    authorizer: it works until it expires (the app client's 10 minutes).
    """
    cognito, pool = _pool(args)
    try:
        cognito.admin_user_global_sign_out(UserPoolId=pool, Username=args.email)
        cognito.admin_delete_user(UserPoolId=pool, Username=args.email)
    except cognito.exceptions.UserNotFoundException:
        raise CliError(f"console user {args.email} does not exist") from None
    print(
        f"removed console user {args.email}, signed out everywhere first "
        "(a token already issued works until it expires, within minutes)"
    )
    return 0


def register(subparsers: Any) -> None:
    users = subparsers.add_parser("users", help="add, list and remove web console users")
    actions = users.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a console user (Cognito emails a temporary password)")
    add.add_argument("email", metavar="EMAIL", type=_email, help="the user's email address")
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="the console's users and their status")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=_list)

    remove = actions.add_parser("remove", help="sign a console user out everywhere and remove them")
    remove.add_argument("email", metavar="EMAIL", help="the user's email (or user name)")
    remove.set_defaults(handler=_remove)

    for leaf in (add, listing, remove):
        add_stack_options(leaf)
