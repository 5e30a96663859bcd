"""Who may see and do what in the web console: roles and sites, carried as Cognito groups.

A console user has one role and, as a viewer, one or more sites or all of them:

- ``admin``: everything the console does, every site, and managing users;
- ``viewer``: the cameras and alarms of their sites only; may mark alarms reviewed
  and download their media, and change nothing else.

Both are Cognito groups declared in ``template.yaml``. A viewer's sites are groups too,
``site:`` + the site's name percent-encoded (``site:Smith%20house``), made on demand by
``vstarcam-push users``, and ``all-sites`` for every site. Groups, not a custom
attribute, because:

- Cognito names a user's groups in the ``cognito:groups`` claim of the *access* token,
  the token the page sends; a custom attribute travels in the ID token only;
- only an administrator's AWS credentials change a user's groups, while a user may
  rewrite their own custom attributes with their access token unless every app client
  withholds write access to them;
- the user pool itself does not change (no schema attribute, which can never be removed).

API Gateway's JWT authorizer hands a list claim to the function as text, the items
space-separated in brackets (``"[admin site:Smith%20house]"``): percent-encoding keeps
every group name free of spaces, so that text splits back unambiguously.

A camera with no site is seen only by admins and viewers of all sites: a viewer given
sites sees exactly the cameras placed in them. A user in no role group (one added before
roles existed, or whose role was taken away) sees nothing: nothing is granted by default.

No I/O here: the console API reads an :class:`Access` from the verified token's claims,
and the CLI turns one into the groups to set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from vstarcam_push.models.camera import check_site

ADMIN = "admin"
VIEWER = "viewer"
ROLES = (ADMIN, VIEWER)
ALL_SITES_GROUP = "all-sites"
SITE_GROUP_PREFIX = "site:"
GROUPS_CLAIM = "cognito:groups"
# Cognito lets a user be in at most 100 groups: a role, all-sites or up to 99 sites.
MAX_SITES = 99


def site_group(site: str) -> str:
    """The group of one site: ``site:`` and the name, percent-encoded (no spaces)."""
    return SITE_GROUP_PREFIX + quote(check_site(site), safe="")


def site_of_group(group: str) -> str | None:
    """The site a group stands for, or None for a group that is no site's."""
    if not group.startswith(SITE_GROUP_PREFIX):
        return None
    site = unquote(group[len(SITE_GROUP_PREFIX) :])
    try:
        return check_site(site)
    except ValueError:
        return None


def parse_sites(text: str) -> frozenset[str]:
    """``"Smith house, Jones shop"`` -> the sites, each checked; ValueError if one is bad."""
    sites = [item.strip() for item in text.split(",") if item.strip()]
    if not sites:
        raise ValueError("no site given: name one or more, comma-separated")
    for site in sites:
        check_site(site)
    if len(set(sites)) > MAX_SITES:
        raise ValueError(f"at most {MAX_SITES} sites per user (or all sites)")
    return frozenset(sites)


def groups_of_claim(value: object) -> list[str]:
    """The group names of a ``cognito:groups`` claim: a list (the token itself), or the text
    API Gateway makes of it (``"[a b]"``)."""
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if not isinstance(value, str):
        return []
    text = value.strip()
    if text.startswith('["'):
        # JSON, should a gateway ever hand the list over that way: the same groups.
        try:
            parsed = json.loads(text)
        except ValueError:
            return []
        return [str(item) for item in parsed] if isinstance(parsed, list) else []
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return text.replace(",", " ").split()


@dataclass(frozen=True)
class Access:
    """One signed-in user's role and sites, as their groups say."""

    user: str
    role: str | None
    sites: frozenset[str] = frozenset()
    all_sites: bool = False

    @classmethod
    def of_groups(cls, user: str, groups: Iterable[str]) -> Access:
        names = set(groups)
        role = ADMIN if ADMIN in names else VIEWER if VIEWER in names else None
        sites = frozenset(site for site in map(site_of_group, names) if site is not None)
        return cls(user, role, sites, ALL_SITES_GROUP in names)

    @classmethod
    def of_claims(cls, claims: Mapping[str, Any]) -> Access:
        """From a verified token's claims (an access token names its user ``username``,
        an ID token ``cognito:username``)."""
        user = str(
            claims.get("username") or claims.get("cognito:username") or claims.get("sub") or ""
        )
        return cls.of_groups(user, groups_of_claim(claims.get(GROUPS_CLAIM)))

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def every_site(self) -> bool:
        """Sees every camera, those without a site included."""
        return self.role is not None and (self.is_admin or self.all_sites)

    def sees(self, site: str) -> bool:
        """Whether a camera of this site (``""``: none) is visible to the user."""
        if self.every_site:
            return True
        return self.role is not None and bool(site) and site in self.sites

    def groups(self) -> set[str]:
        """The groups that make up this access (what ``vstarcam-push users`` sets)."""
        if self.role is None:
            return set()
        if self.is_admin:
            return {ADMIN}
        found = {self.role, *(site_group(site) for site in self.sites)}
        if self.all_sites:
            found.add(ALL_SITES_GROUP)
        return found

    def describe_sites(self) -> str:
        """``all``, or the sites comma-separated, or ``-`` for none."""
        if self.every_site:
            return "all"
        return ", ".join(sorted(self.sites)) or "-"


def managed_group(group: str) -> bool:
    """Whether a group is one of the console's (a role, all-sites or a site)."""
    return group in ROLES or group == ALL_SITES_GROUP or group.startswith(SITE_GROUP_PREFIX)
