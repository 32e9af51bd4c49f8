"""Identity across publications: which rows are the same agency, and which the same agreement.

ICE's sheets carry no ids. Listings are compared publication by publication (suspect ones skipped):
a listing that disappears while a similar one appears in the same state and model is matched by tiers,
strongest first:

* rename    same signing date and the names agree (equal keys, one typo, one contains the other),
            or the same MOA file;
* state_fixed  the same name, model and date moved to another state (ICE corrected the state);
* revision  the same agency and model with a corrected signing date, by a logged rule
            (year_slip, day_month_swap, small_shift <= 45 days, same_moa, typo_year, and
            unlinked_redated: a later date for a listing that never had an MOA, only 'link pending');
* supersede the same agency and model with a later signing date (a renewal);
* relabel   the same signing date, the only listing of its state/model/date block to go and the only
            one to come, not each with an MOA of its own, names that do not agree: one agreement
            relabelled (across counties its agencies never merge)
            (its agencies merge only when they are the same kind of body), unless the reviewed alias
            table says the two are different;
* doubtful  the same signing date and county, with names that do not agree, among other changes
            of its block: settled by the reviewed alias table, otherwise left apart and written to the
            review list.

Agencies are the connected names (union-find) of sure renames between bodies of the same kind; an
agreement is the connected (agency, model, signing date) triples of renames and revisions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from rapidfuzz.distance import DamerauLevenshtein

from ..domain import names, vocab
from ..domain.dates import year_apart
from ..domain.names import compatible_kinds, name_key, similarity

SMALL_SHIFT_DAYS = 45
RELABEL_ELSEWHERE = "only_change_in_block_other_county"


class Unit(NamedTuple):
    """One listing as the sheets show it, after normalisation (a tuple: hashed millions of times)."""

    state: str
    key: str  # name_key of the agency name
    model: str | None
    signed: dt.date | None  # None on the pending list


@dataclass
class Link:
    kind: str  # rename | state_fixed | revision | supersede | doubtful
    rule: str
    old: Unit
    new: Unit
    decision: str | None = None  # for doubtful pairs: 'same', 'different' (alias table) or None
    reviewed: bool = False  # the decision is the reviewed alias table's


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # deterministic: the smaller node becomes the root
            lo, hi = sorted((ra, rb), key=repr)
            self.parent[hi] = lo


@cache
def aliases() -> dict[tuple[str, frozenset[str]], tuple[str, str]]:
    """(state, {name_key, name_key}) -> (decision, reason), from the reviewed table."""
    out = {}
    for row in vocab.data_rows("agency_aliases.csv"):
        if row["decision"] not in ("same", "different", "same_agency") or not row["reason"].strip():
            raise ValueError(f"agency_aliases.csv: bad row {row}")
        out[(row["state"], frozenset({name_key(row["name_a"]), name_key(row["name_b"])}))] = (
            row["decision"],
            row["reason"],
        )
    return out


def same_agency_pairs() -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """The pairs of names the reviewed alias table makes one agency whatever their links say (a
    university's board and its police department): as (state, name key) nodes."""
    pairs = []
    for (state, keys), (decision, _) in aliases().items():
        if decision == "same_agency":
            a, b = sorted(keys)
            pairs.append(((state, a), (state, b)))
    return pairs


def revision_rule(old: dt.date, new: dt.date, same_moa: bool) -> str | None:
    """How ICE corrected a signing date, or None when the change looks like a new agreement."""
    if year_apart(old, new):
        return "year_slip"
    if old.year == new.year and (old.month, old.day) == (new.day, new.month):
        return "day_month_swap"
    if same_moa:
        return "same_moa"
    if abs((new - old).days) <= SMALL_SHIFT_DAYS:
        return "small_shift"
    if implausible_date(old) or implausible_date(new):  # '5025-07-07' for 2025-07-07
        return "typo_year"
    return None


def implausible_date(day: dt.date | None) -> bool:
    """A signing date no MOA can have: before the program (1996) or centuries ahead ('5025-07-07')."""
    return day is not None and not 1996 <= day.year < 2100


def counties_conflict(a: str | None, b: str | None) -> bool:
    """Both counties known and different beyond a typo ('Lampass' is 'Lampasas')."""
    ka, kb = county_match_key(a), county_match_key(b)
    return bool(ka and kb and ka != kb and DamerauLevenshtein.distance(ka, kb) > 2)


def county_match_key(county: str | None) -> str | None:
    """A county cell reduced for telling whether two rows name the same county, or None when empty.
    Looser than a lookup key: 'Hopewell city' and 'Hopewell County' compare equal."""
    return names.county_name_key(county, keep_city=False) or None


def match(
    gone: list[tuple[Unit, dict]], new: list[tuple[Unit, dict]], same_agency, adjacent: bool = True
) -> list[Link]:
    """Pair listings that disappeared with listings that appeared in one comparison.

    Each side is (unit, attributes: name, county, url). `same_agency(a, b)` says whether two units are
    already known to be one agency. `adjacent` is False when the listing disappeared some publications
    earlier (a gap): then only the sure tiers apply. Returns one link per matched pair, strongest first."""
    candidates: list[tuple[Link, int]] = []
    for g, ga in gone:
        for n, na in new:
            if g.model != n.model:
                continue
            link = _classify(g, ga, n, na, same_agency, gone, new)
            if link and not adjacent and link[0].kind in ("doubtful", "relabel"):
                continue
            if link:
                candidates.append(link)
    order = {"rename": 0, "state_fixed": 0, "revision": 1, "relabel": 2, "supersede": 2, "doubtful": 3}
    candidates.sort(key=lambda c: (order[c[0].kind], c[1], repr(c[0].old), repr(c[0].new)))
    used_old: set[Unit] = set()
    used_new: set[Unit] = set()
    out: list[Link] = []
    for chosen, _ in candidates:
        if chosen.old in used_old or chosen.new in used_new:
            continue
        used_old.add(chosen.old)
        used_new.add(chosen.new)
        out.append(chosen)
    return out


def _classify(g: Unit, ga: dict, n: Unit, na: dict, same_agency, gone, new) -> tuple[Link, int] | None:
    same_moa = bool(ga["url"] and ga["url"] == na["url"])
    if g.state != n.state:
        if g.key == n.key and g.signed == n.signed:
            return Link("state_fixed", "same_name_model_date", g, n), 0
        return None
    ck_g, ck_n = county_match_key(ga["county"]), county_match_key(na["county"])
    conflict = counties_conflict(ga["county"], na["county"]) and not same_moa
    rel = "same" if same_agency(g, n) else similarity(ga["name"], na["name"], g.state)
    if g.signed == n.signed:
        unique = (
            sum(1 for u, _ in gone if (u.state, u.model, u.signed) == (g.state, g.model, g.signed)) == 1
            and sum(1 for u, _ in new if (u.state, u.model, u.signed) == (n.state, n.model, n.signed)) == 1
        )
        # the only listing of its state, model and date to go, replaced by the only one to come, and not
        # each with an MOA of its own: ICE relabelled the row (the agreement continues; two kinds of
        # body, or bodies in two counties, stay two agencies)
        own_moas = bool(ga["url"] and na["url"] and ga["url"] != na["url"])
        relabel = unique and g.signed is not None and not own_moas
        relabel_rule = (
            "only_change_in_block" if not counties_conflict(ga["county"], na["county"]) else RELABEL_ELSEWHERE
        )
        if same_moa:
            # ICE has pasted one agency's MOA link into another's row: a shared link alone is doubtful
            if rel:
                return Link("rename", "same_moa", g, n), 0
            return (
                (Link("relabel", relabel_rule, g, n, decision="same"), 0)
                if relabel
                else (Link("doubtful", "same_moa", g, n), 0)
            )
        if rel in ("same", "strong") and not conflict:
            return Link("rename", f"name_{rel}", g, n), 0
        if relabel:
            return Link("relabel", relabel_rule, g, n, decision="same"), 0
        same_county = bool(ck_g and ck_g == ck_n)
        if conflict or (rel is None and not same_county):
            return (Link("doubtful", "only_change", g, n), 0) if unique else None
        return Link("doubtful", "weak_name" if rel else "same_county", g, n), 0
    if rel not in ("same", "strong") or conflict:
        return None
    if g.signed is None or n.signed is None:
        return Link("revision", "date_filled" if n.signed else "date_blanked", g, n), 0
    gap = abs((n.signed - g.signed).days)
    revised = revision_rule(g.signed, n.signed, same_moa)
    if revised:
        return Link("revision", revised, g, n), gap
    if n.signed > g.signed and ga.get("moa_state") == "pending":
        # never an MOA behind the old date ('link pending'): ICE re-dated a listing, nothing was renewed
        return Link("revision", "unlinked_redated", g, n), gap
    if n.signed > g.signed:
        return Link("supersede", "later_signing", g, n), gap
    return None


def settle(link: Link, names: tuple[str, str]) -> Link:
    """Apply the reviewed alias table to a doubtful or relabel link (a relabel is 'same' unless the
    table says otherwise)."""
    found = aliases().get((link.old.state, frozenset({name_key(names[0]), name_key(names[1])})))
    if found and found[0] in ("same", "different"):
        link.decision, link.reviewed = found[0], True
    return link


def merges_agencies(link: Link, names: tuple[str, str]) -> bool:
    """Whether a link makes its two names one agency (not only one agreement listed under two names)."""
    if link.kind == "relabel" and link.rule == RELABEL_ELSEWHERE and not link.reviewed:
        return False  # one agreement relabelled from a body in one county to a body in another
    if link.kind in ("doubtful", "relabel"):
        return link.decision == "same" and compatible_kinds(*names)
    return link.kind in ("rename", "state_fixed") and compatible_kinds(*names)
