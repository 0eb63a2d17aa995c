"""Loading agreement files: YAML plus the geometry files it names, checked, into one document.

The document (the file's content with every geometry it references inlined) is what is stored
and hashed in the ledger, so the agreement a decision used can be rebuilt from the record alone,
whatever happens to the files later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape
from sqlalchemy import Engine

from ceasefire.domain.agreement import AgreementError, AgreementSpec, parse_agreement
from ceasefire.domain.canonical import canonical_json
from ceasefire.domain.geo.checks import check_area, check_line
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement, loaded
from ceasefire.geofiles.geojson import GeoFileError, named, read_features, read_geometry
from ceasefire.services.yaml_files import bundled, find, not_found, read_yaml
from ceasefire.store.agreement_store import store_agreement
from ceasefire.store.db import writing
from ceasefire.store.geography_store import classify_and_store
from ceasefire.store.report_store import ReportFilter, list_reports

MAX_AREA_NAME = 128  # what the placement columns hold


def agreement_path(name_or_path: str) -> Path:
    """A path to a file, or the name of a bundled agreement."""
    return find("agreements", name_or_path)


def bundled_agreements() -> list[str]:
    return bundled("agreements")


class AgreementNotFound(AgreementError):
    """No agreement file at that path, and no bundled one of that name: a mistake in the
    command, not a problem found in an agreement."""


def read_agreement_file(name_or_path: str) -> dict[str, Any]:
    """The agreement document: the file's data with its geometries inlined and checked."""
    path = agreement_path(name_or_path)
    missing = not_found("agreements", path)
    if missing:
        raise AgreementNotFound(name_or_path, [missing])
    data, problem = read_yaml("agreements", path)
    if problem:
        raise AgreementError(str(path), [problem])
    spec = parse_agreement(data)
    if isinstance(spec, list):
        raise AgreementError(str(path), spec)
    try:
        geometries = _read_geometries(spec, path.parent)
    except GeoFileError as exc:
        raise AgreementError(str(path), [str(exc)]) from None
    problems = _check(spec, geometries)
    if problems:
        raise AgreementError(str(path), problems)
    document = {"agreement": data, "geometries": geometries}
    try:
        canonical_json(document)
    except (TypeError, ValueError) as exc:
        raise AgreementError(
            str(path),
            [f"holds a value that cannot be recorded ({exc}); write times as quoted text"],
        ) from None
    return document


def _read_geometries(spec: AgreementSpec, folder: Path) -> dict[str, Any]:
    def areas(area_set: Any) -> list[dict[str, Any]]:
        features = named(read_features(area_set.file, folder), area_set.name_property)
        return [{"name": f.name, "geometry": mapping(f.geometry)} for f in features]

    return {
        "line_of_contact": mapping(read_geometry(spec.line_of_contact, folder)),
        "control": [mapping(read_geometry(rule.area, folder)) for rule in spec.control],
        "admin_areas": areas(spec.admin_areas) if spec.admin_areas else [],
        "sectors": areas(spec.sectors) if spec.sectors else [],
    }


def _check(spec: AgreementSpec, geometries: dict[str, Any]) -> list[str]:
    problems = check_line(
        shape(geometries["line_of_contact"]), f"geography.line_of_contact ({spec.line_of_contact})"
    )
    for index, (rule, area) in enumerate(zip(spec.control, geometries["control"], strict=True)):
        problems += check_area(shape(area), f"geography.control[{index}].area ({rule.area})")
    for key in ("admin_areas", "sectors"):
        for item in geometries[key]:
            label = f"geography.{key} ({item['name'][:40]})"
            problems += check_area(shape(item["geometry"]), label)
            if len(item["name"]) > MAX_AREA_NAME:
                problems.append(f"{label}: a name longer than {MAX_AREA_NAME} characters")
    return problems


def load_into_record(
    engine: Engine, name_or_path: str, *, clock: Callable[[], datetime]
) -> tuple[LoadedAgreement, bool, int]:
    """Store the agreement (a new version if its content changed) and, when new, place every
    stored report against it. Returns the agreement, whether it was new, and rows classified."""
    document = read_agreement_file(name_or_path)
    spec = parse_agreement(document["agreement"])
    assert not isinstance(spec, list)  # read_agreement_file raised on problems
    with writing(engine) as connection:
        version, new = store_agreement(connection, spec.name, document, clock=clock)
        agreement = loaded(spec.name, version, document)
        classified = 0
        if new:
            reports = list_reports(connection, ReportFilter())
            classified = classify_and_store(connection, agreement, reports, replace=True)
    return agreement, new, classified
