"""An agreement rebuilt from its stored document, with its geography in metres.

Pure: built from the document the record holds (the agreement file with its geometries
inlined), never from files, so what a decision used can be rebuilt from the record alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ceasefire.domain.agreement import AgreementError, AgreementSpec, parse_agreement
from ceasefire.domain.geo.classify import Classifier
from ceasefire.domain.geo.projection import MetricFrame
from ceasefire.domain.geo.zones import (
    Geography,
    WeaponRule,
    Zone,
    ZoneParameters,
    build_zones,
    resolve_control,
)


@dataclass(frozen=True)
class LoadedAgreement:
    """An agreement rebuilt from its stored document: the spec and its metric geography."""

    name: str
    version: int
    spec: AgreementSpec
    document: dict[str, Any]

    @cached_property
    def geography(self) -> Geography:
        g = self.document["geometries"]
        line = shape(g["line_of_contact"])
        frame = MetricFrame.centred_on(line)

        def metric(geometry: Any) -> BaseGeometry:
            return shapely.make_valid(frame.to_metric(shape(geometry)))

        control = resolve_control(
            [(r.party, metric(a)) for r, a in zip(self.spec.control, g["control"], strict=True)]
        )
        admin = tuple((a["name"], metric(a["geometry"])) for a in g["admin_areas"])
        sectors = (
            admin
            if self.spec.sectors_from_admin_areas
            else tuple((s["name"], metric(s["geometry"])) for s in g["sectors"])
        )
        return Geography(
            frame, frame.to_metric(line), control, sectors, admin, self.spec.positive_side
        )

    @cached_property
    def zone_parameters(self) -> ZoneParameters:
        rules = tuple(
            WeaponRule(weapon, km * 1000)
            for weapon, km in sorted(
                self.spec.weapon_withdrawal_km.items(), key=lambda item: item[1]
            )
        )
        return ZoneParameters(self.spec.dmz_half_width_km * 1000, rules)

    @cached_property
    def zones(self) -> list[Zone]:
        """Built once per stored version: the dashboard asks for them on every page load."""
        return build_zones(self.geography, self.zone_parameters)

    @cached_property
    def classifier(self) -> Classifier:
        return Classifier(self.geography, self.zone_parameters)

    def in_force_at(self, moment: datetime) -> bool:
        end = self.spec.effective_until
        return self.spec.effective_from <= moment and (end is None or moment < end)


def loaded(name: str, version: int, document: dict[str, Any]) -> LoadedAgreement:
    spec = parse_agreement(document["agreement"])
    if isinstance(spec, list):  # stored documents were checked when loaded
        raise AgreementError(name, spec)
    return LoadedAgreement(name, version, spec, document)
