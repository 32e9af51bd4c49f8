"""County and state outlines as SVG paths, from us-atlas's pre-projected (Albers) TopoJSON.

Decoded once per process: arcs are delta-encoded and quantised; a county's rings are its arcs joined,
a negative index meaning the arc reversed. Coordinates are rounded to half pixels on a 975x610 canvas,
written as relative moves, which keeps the national map small enough to inline in the page."""

from __future__ import annotations

import json
from functools import cache

from .. import atlas

SCALE = 2  # half-pixel precision


@cache
def _topology() -> tuple[dict, list[list[tuple[float, float]]]]:
    topo = json.loads(atlas.path("counties-albers-10m.json").read_text())
    arcs = []
    if "transform" in topo:
        (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    else:
        sx, sy, tx, ty = 1, 1, 0, 0
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return topo, arcs


def _ring(indexes: list[int], arcs) -> list[tuple[int, int]]:
    points: list[tuple[int, int]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        for j, (x, y) in enumerate(arc):
            if points and j == 0:
                continue  # the first point repeats the previous arc's last
            points.append((round(x * SCALE), round(y * SCALE)))
    return points


def _path(rings: list[list[tuple[int, int]]]) -> str:
    out = []
    for ring in rings:
        if len(ring) < 3:
            continue
        x0, y0 = ring[0]
        parts = [f"M{x0} {y0}"]
        px, py = x0, y0
        for x, y in ring[1:]:
            if (x, y) != (px, py):
                parts.append(f"{x - px} {y - py}")
                px, py = x, y
        if len(parts) > 2:  # a ring that collapses to a point at this precision draws nothing
            out.append(parts[0] + "l" + " ".join(parts[1:]) + "z")
    return "".join(out)


def _geometry_rings(geometry: dict, arcs) -> list[list[tuple[int, int]]]:
    if geometry["type"] == "Polygon":
        return [_ring(r, arcs) for r in geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return [_ring(r, arcs) for poly in geometry["arcs"] for r in poly]
    return []


@cache
def county_paths() -> dict[str, tuple[str, str]]:
    """FIPS -> (county name, SVG path data)."""
    topo, arcs = _topology()
    return {
        g["id"]: (g["properties"]["name"], _path(_geometry_rings(g, arcs)))
        for g in topo["objects"]["counties"]["geometries"]
    }


@cache
def state_borders() -> str:
    """All state outlines as one path (drawn over the counties)."""
    topo, arcs = _topology()
    return "".join(_path(_geometry_rings(g, arcs)) for g in topo["objects"]["states"]["geometries"])


@cache
def state_paths() -> dict[str, str]:
    """State FIPS ("12") -> its outline as SVG path data."""
    topo, arcs = _topology()
    return {g["id"]: _path(_geometry_rings(g, arcs)) for g in topo["objects"]["states"]["geometries"]}


def viewbox() -> str:
    return f"0 0 {975 * SCALE} {610 * SCALE}"
