"""The cameras of a CSV file (``cameras configure --from cameras.csv``).

One camera a row, with the columns ``url,user,password,name,site`` (only ``url`` required;
an empty user or password is filled from the command line; ``site`` puts the camera in a
site, which console viewers and push destinations can be limited to). Refusals name the file and the
line, in one line each (``CsvError``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from vstarcam_push.models.camera import check_site

from vstarcam_tools.camera.cgi_client import CameraError, Credentials, camera_base_url
from vstarcam_tools.camera.configure import Target

MAX_CSV_ROWS = 10_000
CSV_COLUMNS = ("url", "user", "password", "name", "site")


class CsvError(ValueError):
    """A CSV of cameras that cannot be used: says the file (and line) and why."""


def read_targets(path: Path, default_user: str | None, password: Callable[[], str]) -> list[Target]:
    """The cameras of a ``url,user,password,name`` CSV; ``password()`` fills empty cells."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            rows = list(_csv_rows(file))
    except csv.Error as error:
        raise CsvError(f"{path}: not a readable CSV ({error})") from None
    except UnicodeDecodeError:
        raise CsvError(f"{path}: not UTF-8 text") from None
    targets: list[Target] = []
    for number, row in rows:
        address = row.get("url", "").strip()
        if not address:
            raise CsvError(f"{path}:{number}: the url cell is empty")
        try:
            address = camera_base_url(address)
        except CameraError as error:
            raise CsvError(f"{path}:{number}: {error}") from None
        user = row.get("user", "").strip() or default_user
        if not user:
            raise CsvError(f"{path}:{number}: no user: fill the user column or pass --user")
        secret = row.get("password", "") or password()
        site = row.get("site", "").strip()
        if site:
            try:
                check_site(site)
            except ValueError as error:
                raise CsvError(f"{path}:{number}: {error}") from None
        targets.append(
            Target(address, Credentials(user, secret), name=row.get("name", "").strip(), site=site)
        )
    if not targets:
        raise CsvError(f"{path}: no cameras listed")
    return targets


def _csv_rows(file: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(file)
    columns = [name.strip().lower() for name in reader.fieldnames or []]
    unknown = [name for name in columns if name not in CSV_COLUMNS]
    if "url" not in columns or unknown:
        raise CsvError(
            f"{file.name}: the first line must name the columns {','.join(CSV_COLUMNS)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    reader.fieldnames = columns
    for index, row in enumerate(reader):
        if index >= MAX_CSV_ROWS:
            raise CsvError(f"{file.name}: more than {MAX_CSV_ROWS} cameras; split the file")
        if None in row:
            raise CsvError(f"{file.name}:{reader.line_num}: more cells than columns")
        if any((value or "").strip() for value in row.values()):
            yield reader.line_num, {key: value or "" for key, value in row.items()}
