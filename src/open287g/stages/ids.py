"""Ids: every agency and agreement is named once and keeps every id it was ever given.

An id must mean the same thing in every warehouse built from an archive that holds more (later)
publications: permalinks, feeds, alert subscriptions and users' scripts rely on it. So an id is never
derived from what later publications say:

* a name (a node: state and name key) is named by its first listing, on either list, in
  chronological order; a reviewed table (`data/agency_name_fixes.csv`) corrects first spellings that
  are typos and first listings under the wrong state, and the uncorrected id stays a former id;
* an agency is named by its earliest name; when later publications show two agencies are one, the
  later one's id becomes a former id of the merged agency;
* an agreement is `<agency of its first listing>/<model>/<first signing date>`; the ids its listings
  would have had on their own (after a merge, a revision, a pending listing later signed) are former
  ids.

Former ids are the ids an earlier build could have issued: the candidates of every name of the
agency first listed no later than the listing in question. The rule of the first builds (the name
seen in the most publications, the agency of the latest listing) is kept as a former id too, since
those ids were issued. A former id never shadows an entity's current id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Hashable
from functools import cache
from typing import TypeVar

from ..domain import vocab
from ..domain.text import fold

Node = tuple[str, str]  # (state, name key)
K = TypeVar("K", bound=Hashable)


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "agency"


@cache
def name_fixes() -> dict[tuple[str, str], tuple[str, str]]:
    """(state, first-listed name folded) -> (state, name) its id is made from."""
    out = {}
    for row in vocab.data_rows("agency_name_fixes.csv"):
        if not (row["state"] and row["listed_name"] and row["name"] and row["reason"]):
            raise ValueError(f"agency_name_fixes.csv: incomplete row {row}")
        out[(row["state"], fold(row["listed_name"]))] = (row["fixed_state"] or row["state"], row["name"])
    return out


def candidates(state: str, name: str) -> tuple[str, list[str]]:
    """The id a name gives, and the uncorrected id when the name-fix table corrects its name or state."""
    raw = f"{state}/{slug(name)}"
    fixed = name_fixes().get((state, fold(name)))
    if fixed is None:
        return raw, []
    return f"{fixed[0]}/{slug(fixed[1])}", [raw]


def shown_name(state: str, name: str) -> str:
    """The name shown for a listing: ICE's spelling, or its correction in the reviewed name-fix table
    (ICE's spellings stay in the agency's `names`)."""
    fixed = name_fixes().get((state, fold(name)))
    return fixed[1] if fixed else name


def unique(base: str, taken: Container[str], county: str | None = None) -> str:
    """`base` if free, else `base-<county>` (two bodies of one name in two counties), else `base-2`,
    `base-3`... whichever is free first."""
    if base not in taken:
        return base
    if county and f"{base}-{slug(county)}" not in taken:
        return f"{base}-{slug(county)}"
    out, i = f"{base}-2", 3
    while out in taken:
        out, i = f"{base}-{i}", i + 1
    return out


class AgencyNames:
    """The ids of agencies. `members` maps each agency (its union-find root) to its names (nodes);
    `first` each node to its first listing (a sortable key), `name` and `county` to what that listing
    said; `twins` are the namesakes the pending list showed in another county than the participating
    list; `legacy` gives each agency the name the first builds named it by (the one listed most);
    `naming` orders the names an agency may be named by (the first of them names it); `spellings` are
    every way each name was written."""

    def __init__(
        self,
        members: dict[Hashable, list[Node]],
        first: dict[Node, tuple],
        name: dict[Node, str],
        county: dict[Node, str | None],
        twins: Container[Node],
        legacy: dict[Hashable, tuple[str, str]],
        naming: dict[Node, tuple],
        spellings: dict[Node, set[str]],
    ) -> None:
        self.first = first
        self.root_of = {n: root for root, nodes in members.items() for n in nodes}
        self.node_id: dict[Node, str] = {}  # the id each name gives on its own
        self.other: dict[Node, list[str]] = {}  # ids it may also have been given: uncorrected, by county
        for n in first:
            self.node_id[n], self.other[n] = candidates(n[0], name[n])
            # another spelling of the same name (a typo the name key now reads through) named it once
            self.other[n] += sorted({f"{n[0]}/{slug(s)}" for s in spellings.get(n, ())} - {self.node_id[n]})
            if n in twins:  # the first builds gave namesakes on the pending list their county
                self.other[n] += [f"{i}-{slug(county[n] or '')}" for i in [self.node_id[n], *self.other[n]]]
        self.id: dict[Hashable, str] = {}
        self.nodes: dict[Hashable, list[Node]] = {}
        # Agencies in order of their first listing: the first body listed under a name keeps its id,
        # a namesake listed later carries its county.
        claimed: dict[str, Hashable] = {}
        for root in sorted(members, key=lambda r: min(first[n] for n in members[r])):
            nodes = self.nodes[root] = sorted(members[root], key=lambda n: first[n])
            namer = min(nodes, key=lambda n: naming[n])
            aid = self.node_id[namer]
            if claimed.get(aid, root) != root:
                aid = unique(aid, claimed, county.get(namer))
            self.id[root] = aid
            for n in nodes:
                claimed.setdefault(self.node_id[n], root)
            claimed[aid] = root
        found = {}
        for root, nodes in self.nodes.items():
            found[root] = {self.node_id[n] for n in nodes} | {o for n in nodes for o in self.other[n]}
            if root in legacy:  # before and after the name fixes, which came later
                fixed, raw = candidates(*legacy[root])
                found[root] |= {fixed, *raw}
        self.former = former_ids(self.id, found)

    def ids_before(self, node: Node, when: tuple) -> set[str]:
        """The ids the agency of `node` could have had in a build that ended at `when`: its current
        id and those of each of its names first listed by then."""
        root = self.root_of[node]
        out = {self.id[root]}
        for n in self.nodes[root]:
            if self.first[n] <= when:
                out.add(self.node_id[n])
                out.update(self.other[n])
        return out


def former_ids(current: dict[K, str], found: dict[K, set[str]]) -> dict[K, list[str]]:
    """Each entity's former ids: the ids it could have had (`found`; `current` lists the entities in
    the order they were first listed) that are no entity's current id; one claimed by two goes to
    the earlier."""
    taken = set(current.values())
    out = {}
    for entity in current:
        mine = found.get(entity, set()) - taken
        taken |= mine
        out[entity] = sorted(mine)
    return out
