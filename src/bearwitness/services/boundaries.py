"""The district map: a GeoJSON boundary file the team uploads, drawn as SVG paths.

Boundaries are public geography, not anything identifying, so the file lives in the
clear in the archive folder (``boundaries.geojson``). It is checked when it is
uploaded (a FeatureCollection of Polygons and MultiPolygons, each feature naming its
district) and projected here into SVG path data; nothing is fetched from anywhere.
"""

from __future__ import annotations

import functools
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bearwitness.errors import InputError, Phrase

FILE = "boundaries.geojson"
MAX_BYTES = 4_000_000
MAX_FEATURES = 500
MAX_POINTS = 200_000
WIDTH = 600.0  # the map's SVG width; its height follows the boundaries' shape
NAME_KEYS = ("district", "name", "NAME", "name_en")  # where a feature names its district
PAD = 8.0


@dataclass(frozen=True)
class Shape:
    """One district as SVG: its name (as the records write it), path data, label point."""

    name: str
    path: str
    x: float
    y: float


@dataclass(frozen=True)
class DistrictMap:
    shapes: tuple[Shape, ...]
    width: float
    height: float
    fictional: bool  # the file says it is FICTIONAL (the demo's schematic one)


HINT = Phrase(
    "Upload a GeoJSON FeatureCollection of Polygon or MultiPolygon features, each with a "
    "property 'district' (or 'name') as the records write it."
)


class BoundaryRejected(InputError):
    """A boundary file refused: ``feature`` is the feature's number (0: the file as a
    whole), ``reason`` what is wrong with it. Nothing was kept."""

    def __init__(self, feature: int, reason: Phrase) -> None:
        where = Phrase("feature %(n)s", n=feature) if feature else Phrase("the file")
        super().__init__(
            Phrase("%(file)s: %(where)s: %(reason)s", file=FILE, where=where, reason=reason),
            hint=HINT,
        )
        self.feature, self.reason = feature, reason


def _fail(feature: int, reason: Phrase) -> BoundaryRejected:
    return BoundaryRejected(feature, reason)


def _rings(geometry: Any, where: int) -> list[list[tuple[float, float]]]:
    if not isinstance(geometry, dict):
        raise _fail(where, Phrase("it has no geometry"))
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        raise _fail(
            where,
            Phrase("its geometry is %(kind)s, not a Polygon or MultiPolygon", kind=str(kind)[:20]),
        )
    rings = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise _fail(where, Phrase("a polygon has no rings"))
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 3:
                raise _fail(where, Phrase("a ring has fewer than 3 points"))
            points = []
            for point in ring:
                if (
                    not isinstance(point, list)
                    or len(point) < 2
                    or not all(
                        isinstance(c, int | float) and not isinstance(c, bool) for c in point[:2]
                    )
                ):
                    raise _fail(where, Phrase("a point is not [longitude, latitude]"))
                lon, lat = float(point[0]), float(point[1])
                if not (math.isfinite(lon) and -180 <= lon <= 180 and -90 <= lat <= 90):
                    raise _fail(
                        where,
                        Phrase(
                            "the point [%(lon)s, %(lat)s] is not on the Earth",
                            lon=format(lon, "g"),
                            lat=format(lat, "g"),
                        ),
                    )
                points.append((lon, lat))
            rings.append(points)
    return rings


def parse(data: bytes) -> tuple[list[tuple[str, list[list[tuple[float, float]]]]], bool]:
    """The districts of a boundary file, each with its rings; whether it says FICTIONAL.
    Raises :class:`InputError` naming the feature and what is wrong with it."""
    if len(data) > MAX_BYTES:
        raise _fail(0, Phrase("it is larger than %(n)s MB", n=MAX_BYTES // 1_000_000))
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _fail(0, Phrase("it is not UTF-8 text")) from None
    except ValueError as error:
        raise _fail(
            0, Phrase("it is not JSON (line %(line)s)", line=getattr(error, "lineno", "?"))
        ) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise _fail(0, Phrase("it is not a GeoJSON FeatureCollection"))
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise _fail(0, Phrase("it has no features"))
    if len(features) > MAX_FEATURES:
        raise _fail(0, Phrase("it has more than %(n)s features", n=MAX_FEATURES))
    found, points = [], 0
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        names = properties if isinstance(properties, dict) else {}
        name = next((names[k] for k in NAME_KEYS if isinstance(names.get(k), str)), "")
        if not name.strip():
            raise _fail(number, Phrase("it names no district (property 'district' or 'name')"))
        rings = _rings(feature.get("geometry"), number)
        points += sum(len(ring) for ring in rings)
        if points > MAX_POINTS:
            raise _fail(
                0, Phrase("it has more than %(n)s points; simplify it", n=format(MAX_POINTS, ","))
            )
        found.append((name.strip()[:100], rings))
    fictional = bool(document.get("fictional")) or "FICTIONAL" in str(document.get("name", ""))
    return found, fictional


def save(folder: Path, data: bytes) -> int:
    """Check a boundary file and keep it in the archive folder (replacing the last one,
    atomically); returns how many districts it draws."""
    districts, _ = parse(data)
    target = folder / FILE
    scratch = folder / f".{FILE}.partial"
    with scratch.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(scratch, target)
    return len(districts)


def district_map(folder: Path) -> DistrictMap | None:
    """The archive's district map, or ``None`` when no boundary file was uploaded."""
    path = folder / FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _drawn(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _drawn(path: Path, _mtime: int, _size: int) -> DistrictMap:
    districts, fictional = parse(path.read_bytes())
    every = [p for _, rings in districts for ring in rings for p in ring]
    west, east = min(p[0] for p in every), max(p[0] for p in every)
    south, north = min(p[1] for p in every), max(p[1] for p in every)
    # Equirectangular, with longitude shrunk at the middle latitude: fine for a region.
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * squeeze, 1e-9)
    span_y = max(north - south, 1e-9)
    scale = (WIDTH - 2 * PAD) / span_x
    height = span_y * scale + 2 * PAD

    def at(point: tuple[float, float]) -> tuple[float, float]:
        return (PAD + (point[0] - west) * squeeze * scale, PAD + (north - point[1]) * scale)

    shapes = []
    for name, rings in districts:
        parts, biggest, best = [], rings[0], -1.0
        for ring in rings:
            drawn = [at(p) for p in ring]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in drawn) + "Z")
            xs, ys = [x for x, _ in drawn], [y for _, y in drawn]
            area = (max(xs) - min(xs)) * (max(ys) - min(ys))
            if area > best:
                biggest, best = drawn, area
        corners = biggest[:-1] if len(biggest) > 3 and biggest[0] == biggest[-1] else biggest
        cx = sum(x for x, _ in corners) / len(corners)
        cy = sum(y for _, y in corners) / len(corners)
        shapes.append(Shape(name, "".join(parts), round(cx, 1), round(cy, 1)))
    return DistrictMap(tuple(shapes), WIDTH, round(height, 1), fictional)


def schematic(names: list[str]) -> bytes:
    """A schematic FICTIONAL boundary file for the demo: one hexagon per district on a
    honeycomb near 43°N 45.5°E. It is no real map of anywhere."""
    features = []
    for number, name in enumerate(names):
        row, column = divmod(number, 3)
        cx = 45.0 + column * 0.36 + (0.18 if row % 2 else 0.0)
        cy = 43.4 - row * 0.3
        ring = [
            [
                round(cx + 0.2 * math.cos(math.radians(a)), 4),
                round(cy + 0.16 * math.sin(math.radians(a)), 4),
            ]
            for a in range(30, 390, 60)
        ]
        ring.append(ring[0])  # GeoJSON closes a ring with its first point
        features.append(
            {
                "type": "Feature",
                "properties": {"district": name, "fictional": True},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    document = {
        "type": "FeatureCollection",
        "name": "FICTIONAL schematic districts for the demo",
        "fictional": True,
        "features": features,
    }
    return json.dumps(document, indent=1).encode()
