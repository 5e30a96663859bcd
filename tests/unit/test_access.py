"""Console roles and sites as Cognito groups (models/access.py): the group names, the claim
as API Gateway hands it over, and who sees which camera."""

from __future__ import annotations

import pytest
from vstarcam_push.models.access import (
    ADMIN,
    ALL_SITES_GROUP,
    VIEWER,
    Access,
    groups_of_claim,
    managed_group,
    parse_sites,
    site_group,
    site_of_group,
)


@pytest.mark.parametrize(
    "site",
    ["Smith house", "Jones shop", "A", "b.c_d-e 1", "x" * 40],
)
def test_a_site_group_name_has_no_space_and_gives_its_site_back(site: str) -> None:
    group = site_group(site)
    assert group.startswith("site:") and " " not in group and len(group) <= 128
    assert site_of_group(group) == site


def test_site_groups_are_distinct_where_sites_are() -> None:
    """'Smith house' and 'Smith_house' are two sites: their groups differ."""
    assert site_group("Smith house") == "site:Smith%20house"
    assert site_group("Smith_house") == "site:Smith_house"
    assert site_group("smith house") != site_group("Smith house")


def test_a_bad_site_makes_no_group() -> None:
    with pytest.raises(ValueError):
        site_group(" leading space")
    assert site_of_group("site:%0Anewline") is None
    assert site_of_group("admin") is None


@pytest.mark.parametrize(
    "claim",
    [
        ["viewer", "site:Smith%20house", "site:Jones%20shop"],
        "[viewer site:Smith%20house site:Jones%20shop]",  # API Gateway's text of a list
        '["viewer","site:Smith%20house","site:Jones%20shop"]',  # JSON text
    ],
)
def test_the_groups_claim_reads_as_a_list_and_as_api_gateways_text(claim: object) -> None:
    access = Access.of_claims({"username": "ann@example.com", "cognito:groups": claim})
    assert access == Access("ann@example.com", VIEWER, frozenset({"Smith house", "Jones shop"}))


def test_an_id_token_names_its_user_cognito_username() -> None:
    access = Access.of_claims({"cognito:username": "bob@example.com", "cognito:groups": "[admin]"})
    assert access.user == "bob@example.com" and access.is_admin


@pytest.mark.parametrize("claim", [None, "", "[]", 7, {"a": 1}, '["admin"', '["admin"}'])
def test_no_groups_is_no_role(claim: object) -> None:
    access = Access.of_claims({"username": "x", "cognito:groups": claim})
    assert access.role is None
    assert groups_of_claim(claim) == []


def test_who_sees_which_camera() -> None:
    admin = Access("a", ADMIN)
    everywhere = Access("e", VIEWER, all_sites=True)
    smith = Access("s", VIEWER, frozenset({"Smith house"}))
    nobody = Access("n", None, frozenset({"Smith house"}), all_sites=True)
    for site, seen_by in {
        "Smith house": {admin, everywhere, smith},
        "Jones shop": {admin, everywhere},
        "": {admin, everywhere},  # a camera with no site: users of all sites only
    }.items():
        for access in (admin, everywhere, smith, nobody):
            assert access.sees(site) == (access in seen_by), (access, site)


def test_an_access_is_made_of_its_groups_and_back() -> None:
    for access in (
        Access("u", ADMIN),
        Access("u", VIEWER, all_sites=True),
        Access("u", VIEWER, frozenset({"Smith house", "Jones shop"})),
    ):
        assert Access.of_groups("u", access.groups()) == access
    assert Access("u", VIEWER, frozenset({"A"})).groups() == {VIEWER, "site:A"}
    assert Access("u", VIEWER, all_sites=True).groups() == {VIEWER, ALL_SITES_GROUP}
    # An admin's leftover site groups are not part of an admin's access.
    assert Access.of_groups("u", {ADMIN, "site:A"}).every_site
    assert Access("u", ADMIN, frozenset({"A"})).groups() == {ADMIN}


def test_only_the_consoles_groups_are_managed() -> None:
    assert all(map(managed_group, [ADMIN, VIEWER, ALL_SITES_GROUP, "site:A"]))
    assert not managed_group("us-east-1_abc_Google")


def test_sites_are_parsed_from_a_comma_separated_list() -> None:
    assert parse_sites(" Smith house, Jones shop ,") == {"Smith house", "Jones shop"}
    with pytest.raises(ValueError, match="no site"):
        parse_sites(" , ")
    with pytest.raises(ValueError, match="site"):
        parse_sites("Smith house,Bad/slash")
