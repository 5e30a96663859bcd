"""``vstarcam-push users``: the web console's accounts, their roles and their sites.

There is no self sign-up: the owner adds each user here (or with the stack
parameter ``ConsoleAdminEmail``, an admin). Cognito emails the new user a
temporary password; the first sign-in asks for their own. No password passes
through this command.

A user is an ``admin`` (everything, every site, managing users) or a ``viewer`` of
some sites (``--sites "Smith house,Jones shop"``) or of all (``--all-sites``): a
viewer sees those sites' cameras and alarms, marks alarms reviewed and downloads
their media, and changes nothing else (docs/security.md, "Console users").
Roles and sites are Cognito groups (vstarcam_push/models/access.py); a change
reaches the user's session at its next token renewal, within 10 minutes.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from vstarcam_push.admin.users import check_email
from vstarcam_push.dal.console_users import ConsoleUser, ConsoleUsers, UserExists, UserNotFound
from vstarcam_push.models.access import ADMIN, ROLES, VIEWER, Access, parse_sites
from vstarcam_push.models.audit import USER_ADDED, USER_CHANGED, USER_REMOVED
from vstarcam_push.models.errors import BadRequest

from vstarcam_tools.cli import audit
from vstarcam_tools.cli.common import (
    CliError,
    StackContext,
    add_stack_options,
    format_table,
    iso_time,
    print_json,
)


def _email(value: str) -> str:
    try:
        return check_email(value)
    except BadRequest:
        raise argparse.ArgumentTypeError(f"{value!r} is not an email address") from None


def _sites(value: str) -> frozenset[str]:
    try:
        return parse_sites(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _pool(args: argparse.Namespace) -> tuple[StackContext, ConsoleUsers]:
    context = StackContext.resolve(args)
    pool = context.outputs.raw.get("ConsoleUserPoolId")
    if not pool:
        raise CliError(
            f"stack {context.name} has no web console (no ConsoleUserPoolId output): "
            "deploy the current template with 'sam deploy'"
        )
    return context, ConsoleUsers(context.client("cognito-idp"), pool)


def describe(access: Access) -> str:
    """``admin``, ``viewer of all sites``, ``viewer of Jones shop, Smith house``, ``no role``."""
    if access.role is None:
        return "no role (sees nothing)"
    if access.is_admin:
        return "admin"
    if access.all_sites:
        return "viewer of all sites"
    if not access.sites:
        return "viewer of no site (sees nothing)"
    return f"viewer of {', '.join(sorted(access.sites))}"


def _wanted(args: argparse.Namespace, username: str, current: Access | None) -> Access:
    """The access ``--role``/``--sites``/``--all-sites`` ask for, on top of ``current``."""
    role = args.role or (current.role if current else None)
    if role is None:
        raise CliError(f"{username} has no role: give --role admin or --role viewer")
    if role == ADMIN:
        if args.sites is not None or args.all_sites:
            raise CliError("an admin sees every site: --sites and --all-sites are for viewers")
        return Access(username, ADMIN)
    if args.sites is not None:
        return Access(username, VIEWER, args.sites)
    if args.all_sites:
        return Access(username, VIEWER, all_sites=True)
    if current is not None and current.role == VIEWER and (current.sites or current.all_sites):
        return Access(username, VIEWER, current.sites, current.all_sites)
    raise CliError('a viewer needs their sites: --sites "Site A,Site B" or --all-sites')


def _audit_details(access: Access) -> dict[str, Any]:
    details: dict[str, Any] = {"role": access.role or "none"}
    if access.role == VIEWER:
        details["sites"] = "all" if access.all_sites else sorted(access.sites)
    return details


def _note_unknown_sites(context: StackContext, access: Access) -> None:
    """A site no camera is in yet is allowed (invite first, register later): said, so a
    typo is seen."""
    if not access.sites:
        return
    known = {camera.site for camera in context.fleet().list() if camera.site}
    for site in sorted(access.sites - known):
        print(
            f"  note: no camera is in site {site!r} yet "
            f"('vstarcam-push cameras add VUID --site {site!r}' puts one there)"
        )


def _add(args: argparse.Namespace) -> int:
    access = _wanted(args, args.email, None)
    context, users = _pool(args)
    try:
        users.add(args.email, access)
    except UserExists:
        raise CliError(f"console user {args.email} already exists") from None
    audit.record(context, USER_ADDED, args.email, _audit_details(access))
    print(
        f"added console user {args.email}, {describe(access)}: Cognito emails a temporary "
        "password, and the first sign-in asks for a new one"
    )
    _note_unknown_sites(context, access)
    return 0


def _set(args: argparse.Namespace) -> int:
    if args.role is None and args.sites is None and not args.all_sites:
        raise CliError("nothing to change: give --role, --sites or --all-sites")
    context, users = _pool(args)
    try:
        current = users.access_of(args.user)
        access = _wanted(args, args.user, current)
        users.set_access(args.user, access)
    except UserNotFound:
        raise CliError(f"console user {args.user} does not exist") from None
    audit.record(
        context,
        USER_CHANGED,
        args.user,
        {**_audit_details(access), "was": describe(current)},
    )
    print(
        f"console user {args.user} is now {describe(access)} (was {describe(current)}); "
        "their session follows at its next token renewal, within 10 minutes"
    )
    _note_unknown_sites(context, access)
    return 0


def user_json(user: ConsoleUser) -> dict[str, Any]:
    document = user.to_json()
    document["createdAt"] = iso_time(user.created_at)
    document["lastSignIn"] = iso_time(user.last_sign_in)
    return document


def _list(args: argparse.Namespace) -> int:
    _, users = _pool(args)
    listed = users.list()
    if args.json:
        print_json([user_json(user) for user in listed])
        return 0
    if not listed:
        print("no console users: add one with 'vstarcam-push users add EMAIL --role ...'")
        return 0
    rows = [
        [
            user.username,
            user.access.role or "none",
            user.access.describe_sites() if user.access.role else "-",
            {True: "on", False: "off", None: "-"}[user.mfa],
            user.status or "-",
            iso_time(user.last_sign_in) or "-",
        ]
        for user in listed
    ]
    print(format_table(["USER", "ROLE", "SITES", "MFA", "STATUS", "LAST SIGN-IN"], rows))
    roleless = [user.username for user in listed if user.access.role is None]
    if roleless:
        print(
            f"\n{len(roleless)} user{'s have' if len(roleless) != 1 else ' has'} no role and "
            "see nothing in the console (added before roles existed?): "
            "'vstarcam-push users set USER --role admin' (or viewer --sites ...)"
        )
    if all(user.last_sign_in is None for user in listed):
        print(
            "\nLAST SIGN-IN: Cognito keeps sign-in events only with threat protection on "
            "the user pool (not turned on by the template)",
            file=sys.stderr,
        )
    return 0


def _remove(args: argparse.Namespace) -> int:
    """Sign the user out everywhere, then delete them (ConsoleUsers.remove)."""
    context, users = _pool(args)
    try:
        users.remove(args.user)
    except UserNotFound:
        raise CliError(f"console user {args.user} does not exist") from None
    audit.record(context, USER_REMOVED, args.user)
    print(
        f"removed console user {args.user}, signed out everywhere first "
        "(a token already issued works until it expires, within minutes)"
    )
    return 0


def _access_options(parser: argparse.ArgumentParser, role_required: bool) -> None:
    parser.add_argument(
        "--role",
        choices=ROLES,
        required=role_required,
        help="admin: everything, every site, and managing users; viewer: sees the cameras "
        "and alarms of their sites, marks alarms reviewed and downloads, changes nothing",
    )
    sites = parser.add_mutually_exclusive_group()
    sites.add_argument(
        "--sites",
        type=_sites,
        default=None,
        metavar='"SITE,SITE"',
        help="a viewer's sites, comma-separated (the cameras' --site names)",
    )
    sites.add_argument(
        "--all-sites",
        action="store_true",
        help="a viewer of every site, cameras without a site included",
    )


def register(subparsers: Any) -> None:
    users = subparsers.add_parser(
        "users", help="add, change, list and remove web console users (roles and sites)"
    )
    actions = users.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        help="add a console user with a role (Cognito emails a temporary password)",
        description='Add a console user: --role admin, or --role viewer --sites "A,B" '
        "(or --all-sites). Cognito emails them a temporary password.",
    )
    add.add_argument("email", metavar="EMAIL", type=_email, help="the user's email address")
    _access_options(add, role_required=True)
    add.set_defaults(handler=_add)

    change = actions.add_parser("set", help="change a console user's role or sites")
    change.add_argument("user", metavar="EMAIL", help="the user's email (or user name)")
    _access_options(change, role_required=False)
    change.set_defaults(handler=_set)

    listing = actions.add_parser(
        "list", help="the console's users: role, sites, MFA, status, last sign-in"
    )
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=_list)

    remove = actions.add_parser("remove", help="sign a console user out everywhere and remove them")
    remove.add_argument("user", metavar="EMAIL", help="the user's email (or user name)")
    remove.set_defaults(handler=_remove)

    for leaf in (add, change, listing, remove):
        add_stack_options(leaf)
