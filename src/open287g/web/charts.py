"""Server-rendered SVG: the county map and the growth chart. Presentation only: the figures come from
queries; everything from outside is escaped."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from markupsafe import Markup

MODEL_CLASS = {"JEM": "m-jem", "TFM": "m-tfm", "WSO": "m-wso"}


def county_class(local: list[str], statewide: list[str]) -> str:
    if len(local) > 1:
        return "m-multi"
    if local:
        return MODEL_CLASS[local[0]]
    return "m-state" if statewide else "m-none"


def law_outlines(marks: dict[str, dict], fips: dict[str, str], paths: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The outlines `county_map` draws for the states a law marks (queries.laws.state_marks): class law-mandate,
    law-ban or law-restricts, over the state's path."""
    return {s: (f"law-{m['mark']}", paths[fips[s]]) for s, m in marks.items() if fips.get(s) in paths}


def county_map(
    figures: list[dict],
    paths: dict[str, tuple[str, str]],
    borders: str,
    viewbox: str,
    outlines: dict[str, tuple[str, str]] | None = None,
) -> Markup:
    """One <path> per county shape, classed by its models; `outlines` (state -> (class, path)) drawn over the
    borders, e.g. the states whose law requires or bans 287(g). The map is one image to assistive technology
    and holds nothing focusable (3,142 links inside it were 3,142 Tab presses); static/map.js opens a
    county's page on a click, and the search box and the table by state reach every county without it."""
    by_fips = {f["fips"]: f for f in figures}
    out = [
        f'<svg class="map" viewBox="{viewbox}" role="img" aria-labelledby="map-title map-desc" xmlns="http://www.w3.org/2000/svg">'
    ]
    for fips, (name, d) in sorted(paths.items()):
        f = by_fips.get(fips, {"local_models": [], "statewide_models": [], "state": "", "local_agencies": 0})
        cls = county_class(f["local_models"], f["statewide_models"])
        models = ", ".join(f["local_models"]) or "—"
        label = escape(f"{name}, {f['state']}: {models}")
        out.append(f'<path class="c {cls}" data-fips="{fips}" d="{d}"><title>{label}</title></path>')
    out.append(f'<path class="borders" d="{borders}"/>')
    for cls, d in (outlines or {}).values():
        out.append(f'<path class="law {escape(cls)}" d="{d}"/>')
    out.append("</svg>")
    return Markup("".join(out))


def not_drawn(figures: list[dict], paths: dict[str, tuple[str, str]]) -> list[str]:
    """States and territories with covered counties that have no shape on the map (the Albers atlas
    leaves out Puerto Rico and the territories)."""
    return sorted({f["state"] for f in figures if f["covered"] and f["fips"] not in paths})


def growth(rows: list[dict], width: int = 720, height: int = 260) -> Markup:
    """Agreements at each month-end, one line per model, with the first and last values labelled."""
    if not rows:
        return Markup("")
    pad_l, pad_b, pad_t, pad_r = 48, 28, 12, 76
    top = max(max(r["jem"], r["tfm"], r["wso"]) for r in rows) or 1
    n = len(rows)

    def x(i: int) -> float:
        return pad_l + (width - pad_l - pad_r) * i / max(n - 1, 1)

    def y(v: float) -> float:
        return height - pad_b - (height - pad_b - pad_t) * v / top

    out = [
        f'<svg class="growth" viewBox="0 0 {width} {height}" role="img" aria-labelledby="growth-title growth-desc" xmlns="http://www.w3.org/2000/svg">'
    ]
    step = max(1, int(round(top / 4, -2)) or 1)
    for tick in range(0, top + 1, step):
        out.append(
            f'<line class="grid" x1="{pad_l}" x2="{width - pad_r}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="tick" x="{pad_l - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    for i, r in enumerate(rows):
        if r["month"].endswith("-01"):
            out.append(
                f'<text class="tick" x="{x(i):.1f}" y="{height - 8}" text-anchor="middle">{r["month"][:4]}</text>'
            )
    for model, key in (("JEM", "jem"), ("TFM", "tfm"), ("WSO", "wso")):
        points = " ".join(f"{x(i):.1f},{y(r[key]):.1f}" for i, r in enumerate(rows))
        last = rows[-1][key]
        out.append(f'<polyline class="line {MODEL_CLASS[model]}" points="{points}"/>')
        out.append(
            f'<text class="label {MODEL_CLASS[model]}" x="{x(n - 1) + 4:.1f}" y="{y(last) + 4:.1f}">'
            f"{model} {last}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def _grouped(n: int) -> str:
    return f"{n:,}"


def _percent(v: float) -> str:
    return f"{v:.1%}"


def columns(
    rows: list[dict],
    key: str,
    value: str,
    labelled: str,
    tick=None,
    note=None,
    height: int = 220,
    number: Callable[[int], str] = _grouped,
) -> Markup:
    """One column per row (e.g. arrests by fiscal year or month), `value` high. `tick(row)` labels a column under
    the axis (None: no label), `note(row)` above it; `labelled` is the id of the element that titles it; `number`
    writes the axis's and the columns' numbers as the page's language does."""
    if not rows:
        return Markup("")
    width, pad_l, pad_b, pad_t, pad_r = 720, 48, 28, 18, 8
    top = max(r[value] or 0 for r in rows) or 1
    slot = (width - pad_l - pad_r) / len(rows)
    bar = max(1.0, slot * 0.72)

    def y(v: float) -> float:
        return height - pad_b - (height - pad_b - pad_t) * v / top

    out = [
        f'<svg class="columns" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{escape(labelled)}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    step = _step(top)
    for t in range(0, top + 1, step):
        out.append(
            f'<line class="grid" x1="{pad_l}" x2="{width - pad_r}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>'
            f'<text class="tick" x="{pad_l - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{number(t)}</text>'
        )
    for i, r in enumerate(rows):
        x = pad_l + slot * i + (slot - bar) / 2
        v = r[value] or 0
        label = escape(f"{r[key]}: {number(v)}")
        out.append(
            f'<rect class="bar" x="{x:.1f}" y="{y(v):.1f}" width="{bar:.1f}" height="{y(0) - y(v):.1f}">'
            f"<title>{label}</title></rect>"
        )
        if tick and (text := tick(r)):
            out.append(
                f'<text class="tick" x="{x + bar / 2:.1f}" y="{height - 8}" text-anchor="middle">{escape(text)}</text>'
            )
        if note and (text := note(r)):
            out.append(
                f'<text class="label" x="{x + bar / 2:.1f}" y="{y(v) - 4:.1f}" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
    out.append("</svg>")
    return Markup("".join(out))


def share_line(
    rows: list[dict],
    key: str,
    value: str,
    labelled: str,
    tick=None,
    height: int = 180,
    percent: Callable[[float], str] = _percent,
    whole: bool = False,
) -> Markup:
    """A line of shares (0 to 1, e.g. 287(g) arrests / all ICE arrests by month), the axis in percent as the page's
    language writes it (`percent`), up to just above the largest share or, `whole`, to 100%."""
    if not rows:
        return Markup("")
    width, pad_l, pad_b, pad_t, pad_r = 720, 48, 28, 12, 8
    top = max(r[value] or 0 for r in rows) or 1
    top = 1.0 if whole else max(0.01, (int(top * 100) + 1) / 100)
    n = len(rows)

    def x(i: int) -> float:
        return pad_l + (width - pad_l - pad_r) * (i + 0.5) / n

    def y(v: float) -> float:
        return height - pad_b - (height - pad_b - pad_t) * v / top

    out = [
        f'<svg class="shares" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{escape(labelled)}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for k in range(0, 5):
        v = top * k / 4
        out.append(
            f'<line class="grid" x1="{pad_l}" x2="{width - pad_r}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
            f'<text class="tick" x="{pad_l - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{percent(v)}</text>'
        )
    points = " ".join(f"{x(i):.1f},{y(r[value] or 0):.1f}" for i, r in enumerate(rows))
    out.append(f'<polyline class="line m-jem" points="{points}"/>')
    for i, r in enumerate(rows):
        if tick and (text := tick(r)):
            out.append(f'<text class="tick" x="{x(i):.1f}" y="{height - 8}" text-anchor="middle">{escape(text)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _step(top: int) -> int:
    """A round grid step giving about four lines."""
    raw = max(1, top // 4)
    magnitude = 10 ** (len(str(raw)) - 1)
    return max(1, (raw // magnitude) * magnitude)
