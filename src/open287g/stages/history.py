"""History: agencies, agreements, their spells on the lists, and the events between publications.

Input: the postings (each new file ICE put up, ordered and marked by `publications.py`), the rows of
their publications and the distinct row values. Only `ok` postings are compared (each with the
previous ok one of its list), so a suspect posting never creates an ending, and a new file whose
content equals an older list steps the record back to it. Every event names the two publications
(and files) it compares.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Hashable

from ..domain.names import compatible_kinds, distinctive, name_key, similarity
from . import identity, ids, moa_links, signing
from .identity import Link, UnionFind, Unit

PENDING_MATCH_DAYS = 60  # a pending listing converts to an agreement listed up to this long after it ends
GAP_DAYS = 30  # a listing that vanished is matched to a renamed/redated one that appears within this
CONVERSION_LAG_DAYS = 7  # a pending listing that leaves the list this close to a signing converted into it
DUPLICATE_DAYS = 366  # a row repeating another's MOA link under a date this close is a duplicate, not a renewal


def build(postings: list[dict], publication_rows: list[dict], row_values: list[dict]) -> dict[str, list[dict]]:
    values = {v["row_hash"]: v for v in row_values}
    rows_by_pub: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for r in publication_rows:
        rows_by_pub[r["publication_id"]].append((r["row_number"], values[r["row_hash"]]))
    for rows in rows_by_pub.values():  # in sheet order, once
        rows.sort(key=lambda x: x[0])
    ok = {
        kind: sorted((p for p in postings if p["kind"] == kind and p["status"] == "ok"), key=lambda p: p["seq"])
        for kind in ("participating", "pending")
    }
    h = _History(rows_by_pub)
    h.note_pending_days(ok["pending"])
    h.link_participating(ok["participating"])
    h.resolve_agreements()
    h.follow_pending(ok["pending"])
    return h.tables(ok)


def _unit(v: dict, pending: bool) -> Unit:
    """The unit of a row (memoised in the row's value dict, which every publication listing it shares)."""
    key = "_pending_unit" if pending else "_unit"
    if key not in v:
        v[key] = Unit(v["state"] or v["state_raw"], name_key(v["agency"]), v["model"], None if pending else v["signed"])
    return v[key]


def _listing(pub: dict, pending: bool, position: int) -> tuple:
    """The order of a listing in the record: day first observed, then the participating list before
    the pending list, then publication and position."""
    return (pub["effective_from"], pending, pub["seq"], position)


def _attrs(v: dict) -> dict:
    return {"name": v["agency"], "county": v["county"], "url": v["moa_url"], "moa_state": v["moa_state"]}


class _History:
    def __init__(self, rows_by_pub: dict[str, list[tuple[int, dict]]]) -> None:
        self.rows_by_pub = rows_by_pub
        self.agencies = UnionFind()  # nodes: (state, name_key)
        self.agreements = UnionFind()  # nodes: Unit of the participating list
        self.links: list[tuple[Link, dict, dict, dict, dict]] = []  # (link, from_pub, to_pub, old row, new row)
        self.moved_off: set[Unit] = set()  # listings ICE put under another state's namesake (_listing_moved_off)
        # node -> (first listing, name, state, date); a listing's order is (day, list, publication, row),
        # the same in every build that holds that publication, so ids made from it never change
        self.first_seen: dict[tuple[str, str], tuple[tuple, str, str, dt.date]] = {}
        self.last_seen: dict[tuple[str, str], dict] = {}  # node -> latest row values
        # node -> (day, county) each time its participating listing gave another county
        self.counties_seen: dict[tuple[str, str], list[tuple[dt.date, str | None]]] = defaultdict(list)
        self.maybe_twin: dict[tuple[str, str], set[str]] = defaultdict(set)  # node -> pending counties
        self.first_county: dict[tuple[str, str], str | None] = {}  # node -> county of its first listing
        self.first_participating_name: dict[tuple[str, str], str] = {}  # what the first builds named it by
        self.first_participating: dict[tuple[str, str], tuple] = {}  # node -> its first participating listing
        self.times_seen: dict[tuple[str, str], int] = defaultdict(int)  # node -> publications listing it
        self._counted: dict[tuple[str, str], set[str]] = {}  # node -> those publications
        self._dup_checked: set[Unit] = set()
        # posting seq -> {duplicate unit -> (the unit it repeats, rule)} (see _fold)
        self.dups_in: dict[int, dict[Unit, tuple[Unit, str]]] = {}
        self.split: dict[Unit, Unit] = {}  # a second body of a name renamed away -> its own unit
        self.renamed_away: set[tuple[str, str]] = set()  # names an agency was renamed from
        self.folded_name: dict[Unit, tuple[str, Unit]] = {}  # duplicate unit -> (its name, the original)
        self.spellings: dict[tuple[str, str], set[str]] = defaultdict(set)  # node -> every spelling listed
        self.model_first_listed: dict[tuple, dt.date] = {}  # (node, model) -> first participating listing

    # -- participating list -------------------------------------------------------------------
    def unit_of(self, v: dict, seq: int) -> Unit:
        """The unit a participating row stands for in posting `seq`: its own, the listing it repeats
        there (a duplicate row), or a second body listed beside the name it was renamed to."""
        u = _unit(v, False)
        u = self.split.get(u, u)
        found = self.dups_in.get(seq, {}).get(u)
        return found[0] if found else u

    def _units(self, pub: dict, pending: bool = False, before: dict | None = None) -> dict[Unit, dict]:
        raw: dict[Unit, dict] = {}
        for _, v in self.rows_by_pub[pub["publication_id"]]:
            raw.setdefault(_unit(v, pending), v)
        if not pending:
            self._fold(pub, raw, before or {})
        out: dict[Unit, dict] = {}
        plain = pending or not (self.split or self.dups_in.get(pub["seq"]))
        for u0, v in raw.items():
            u = u0 if plain else self.unit_of(v, pub["seq"])
            if u in out or (u != u0 and u in raw):
                continue  # a duplicate beside its original: the original's row speaks
            out[u] = v
            node = (u.state, u.key)
            self.agencies.find(node)
            self.spellings[node].add(v["agency"])
            if not pending:  # the participating list names agencies; the pending list only joins them
                # (a pending row is seen once its agency is known: it may be a namesake elsewhere)
                self._see(node, _listing(pub, pending, len(out)), v)
                self.first_participating_name.setdefault(node, v["agency"])
                self.first_participating.setdefault(node, _listing(pub, pending, len(out)))
                if pub["publication_id"] not in self._counted.setdefault(node, set()):
                    self._counted[node].add(pub["publication_id"])
                    self.times_seen[node] += 1
                self.last_seen[node] = v
                self.model_first_listed.setdefault((node, u.model), pub["effective_from"])
                if not self.counties_seen[node] or self.counties_seen[node][-1][1] != v["county"]:
                    self.counties_seen[node].append((pub["effective_from"], v["county"]))
        return out

    def _fold(self, pub: dict, raw: dict[Unit, dict], before: dict[Unit, dict]) -> None:
        """For listings that were never an agreement of their own, whether in this posting they repeat
        a row listed before (judged again in every posting: a row that gets its own MOA link, or
        outlives its original, is an agreement), and, once, whether a name that had left the list
        after a rename comes back beside the name it was renamed to (another body of the old name)."""
        known = self.agreements.parent
        fresh = [u for u in raw if u not in known and u not in before and u not in self.split]
        if not fresh:
            return
        by_url: dict[tuple, list[Unit]] = defaultdict(list)
        by_listing: dict[tuple, list[Unit]] = defaultdict(list)
        for o in raw:
            if o in before:
                if raw[o]["moa_url"]:
                    by_url[(o.state, o.model, raw[o]["moa_url"])].append(o)
                by_listing[(o.key, o.model, o.signed)].append(o)
        here: dict[tuple, set] | None = None  # agency -> its names listed in this posting (when asked)
        listed_before = {(o.state, o.key) for o in before}
        dups = self.dups_in.setdefault(pub["seq"], {})
        for u in fresh:
            v, original, rule = raw[u], None, ""
            for o in by_url.get((u.state, u.model, v["moa_url"]), []) if v["moa_url"] else []:
                if (
                    o.signed != u.signed
                    and (o.signed is None or u.signed is None or abs((o.signed - u.signed).days) <= DUPLICATE_DAYS)
                    and (o.key == u.key or similarity(raw[o]["agency"], v["agency"], u.state) in ("same", "strong"))
                ):
                    original, rule = o, "same_moa_link"  # the same agency's MOA under a second date
                    break
            if original is None:
                for o in by_listing.get((u.key, u.model, u.signed), []):
                    if o.state != u.state and v["moa_url"] in (None, raw[o]["moa_url"]):
                        original, rule = o, "copied_to_another_state"  # no MOA link of its own
                        break
            if original is not None:
                dups[u] = (original, rule)
                self.folded_name.setdefault(u, (v["agency"], original))
                continue
            node = (u.state, u.key)
            if node not in self.renamed_away or node in listed_before:
                continue
            if here is None:
                here = defaultdict(set)
                for o in raw:
                    here[self.agencies.find((o.state, o.key))].add((o.state, o.key))
            if len(here[self.agencies.find(node)]) > 1:
                # back on the list beside the name it was renamed to: another body of the old name
                self.split[u] = Unit(u.state, f"{u.key}|since {pub['effective_from']}", u.model, u.signed)

    def _see(self, node: tuple[str, str], order: tuple, v: dict) -> None:
        seen = self.first_seen.get(node)
        if seen is None or order < seen[0]:
            self.first_seen[node] = (order, v["agency"], node[0], order[0])
            self.first_county[node] = v["county"]

    def _same_agency(self, a: Unit, b: Unit) -> bool:
        return self.agencies.find((a.state, a.key)) == self.agencies.find((b.state, b.key))

    def link_participating(self, pubs: list[dict]) -> None:
        prev = None
        # unmatched disappearances: (unit, values, from pub, gone date)
        pool: list[tuple[Unit, dict, dict, dt.date]] = []
        for pub in pubs:
            if prev is not None and prev[0]["publication_id"] == pub["publication_id"]:
                # the same list put up again as a new file: nothing to compare, nothing new to see
                if prev[0]["seq"] in self.dups_in:
                    self.dups_in[pub["seq"]] = self.dups_in[prev[0]["seq"]]
                prev = (pub, prev[1])
                continue
            units = self._units(pub, before=prev[1] if prev else None)
            for u in units:
                self.agreements.find(u)
            self._merge_duplicates(units)
            if prev is not None:
                prev_pub, prev_units = prev
                gone = {u: v for u, v in prev_units.items() if u not in units}
                new = {u: v for u, v in units.items() if u not in prev_units}
                links = identity.match(self._sides(gone), self._sides(new), self._same_agency)
                for link in links:
                    self._apply(link, gone[link.old], new[link.new], prev_pub, pub)
                matched_old = {link.old for link in links}
                matched_new = {link.new for link in links}
                # A listing that vanished some publications ago and comes back under another name or date.
                pool = [p for p in pool if (pub["effective_from"] - p[3]).days <= GAP_DAYS and p[0] not in units]
                rest = {u: v for u, v in new.items() if u not in matched_new}
                if pool and rest:
                    olds = {p[0]: p for p in pool}
                    for link in identity.match(
                        self._sides({u: p[1] for u, p in olds.items()}),
                        self._sides(rest),
                        self._same_agency,
                        adjacent=False,
                    ):
                        if link.kind == "revision" and self._pending_between(
                            link.old, link.new, olds[link.old][3], pub["effective_from"]
                        ):
                            continue
                        self._apply(link, olds[link.old][1], rest[link.new], olds[link.old][2], pub)
                        pool = [p for p in pool if p[0] != link.old]
                pool += [(u, v, prev_pub, pub["effective_from"]) for u, v in gone.items() if u not in matched_old]
            prev = (pub, units)

    def note_pending_days(self, pubs: list[dict]) -> None:
        """When each name was on the pending list, per model: the days its spells there began
        (`pending_starts`), and, per county it gave, the last day it was listed (`pending_last`)."""
        self.pending_starts: dict[tuple, list[dt.date]] = defaultdict(list)
        self.pending_last: dict[tuple, dt.date] = {}
        previous: set[tuple] = set()
        for pub in pubs:
            present = set()
            for _, v in self.rows_by_pub[pub["publication_id"]]:
                u = _unit(v, True)
                key = (u.state, u.key, u.model)
                present.add(key)
                self.pending_last[(*key, identity.county_match_key(v["county"]))] = pub["effective_from"]
            for key in sorted(present - previous):
                self.pending_starts[key].append(pub["effective_from"])
            previous = present

    def _pending_between(self, old: Unit, new: Unit, start: dt.date, end: dt.date) -> bool:
        """Whether the agency came back onto the pending list for this model between two listings (a
        spell there that began after the old one left): it then signed anew, whatever the dates say
        (Rooks County SO, KS WSO, 2025-07-31 and 2025-09-09). A pending row that merely lingers after
        a signing says nothing."""
        return any(
            start <= d <= end
            for key in {old.key, new.key}
            for d in self.pending_starts.get((new.state, key, new.model), ())
        )

    @staticmethod
    def _sides(units: dict[Unit, dict]) -> list[tuple[Unit, dict]]:
        return [(u, _attrs(v)) for u, v in units.items()]

    def _apply(self, link: Link, old: dict, new: dict, from_pub: dict, to_pub: dict) -> None:
        names = (old["agency"], new["agency"])
        if link.kind in ("doubtful", "relabel"):
            identity.settle(link, names)
        self.links.append((link, from_pub, to_pub, old, new))
        moved_off = self._listing_moved_off(link)
        if moved_off:
            self.moved_off.add(link.old)
        if identity.merges_agencies(link, names) and not moved_off:
            self.agencies.union((link.old.state, link.old.key), (link.new.state, link.new.key))
            if link.old.key != link.new.key and link.kind in ("rename", "relabel"):
                self.renamed_away.add((link.old.state, link.old.key))
        if link.kind in ("rename", "state_fixed", "revision") or link.decision == "same":
            self.agreements.union(link.old, link.new)

    def _listing_moved_off(self, link: Link) -> bool:
        """A state fix that moves one listing off a name that carries other agreements of its own: ICE
        had listed another state's namesake under it (Ellis County SO, KS's WSO first listed under TX,
        whose Ellis County SO has its JEM). The agreement moves to the corrected state's agency; the two
        agencies stay apart."""
        if link.kind != "state_fixed":
            return False
        node, mine = (link.old.state, link.old.key), self.agreements.find(link.old)
        return any(
            (u.state, u.key) == node and u.signed is not None and self.agreements.find(u) != mine
            for u in self.agreements.parent
        )

    def _merge_duplicates(self, units: dict[Unit, dict]) -> None:
        """Two spellings of one agency listed side by side with the same model and date (e.g. 'City of
        Zephyrhills Police Department' and 'Zephyrhills Police Department') are one agreement."""
        fresh = [u for u in units if u not in self._dup_checked]
        if not fresh:
            return
        self._dup_checked.update(fresh)
        blocks: dict[tuple, list[Unit]] = defaultdict(list)
        for u in units:
            v = units[u]
            da = distinctive(v["agency"], u.state)
            if da:
                blocks[(u.state, u.model, u.signed, da)].append(u)
        wanted = {(u.state, u.model, u.signed, distinctive(units[u]["agency"], u.state)) for u in fresh}
        for key in wanted & blocks.keys():
            block = blocks[key]
            for i, a in enumerate(block):
                for b in block[i + 1 :]:
                    va, vb = units[a], units[b]
                    if compatible_kinds(va["agency"], vb["agency"]) and not identity.counties_conflict(
                        va["county"], vb["county"]
                    ):
                        self.agencies.union((a.state, a.key), (b.state, b.key))
                        self.agreements.union(a, b)

    # -- agencies and agreements --------------------------------------------------------------
    def agency_of(self, node: tuple[str, str]) -> tuple[str, str]:
        return self.agencies.find(node)

    def resolve_agreements(self) -> None:
        for a, b in identity.same_agency_pairs():
            if a in self.agencies.parent and b in self.agencies.parent:
                self.agencies.union(a, b)
        # Units of one agency, model and date are one agreement even when spelt differently.
        by_triple: dict[tuple, Unit] = {}
        for u in list(self.agreements.parent):
            triple = (self.agency_of((u.state, u.key)), u.model, u.signed)
            if triple in by_triple:
                self.agreements.union(by_triple[triple], u)
            else:
                by_triple[triple] = u
        self.participating_nodes = set(self.first_seen)  # before the pending list adds its own
        self.participating_roots = {self.agency_of(n) for n in self.participating_nodes}
        # the name the first builds named each agency by (the one listed most): their ids resolve
        members: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
        for node in self.participating_nodes:
            members[self.agency_of(node)].append(node)
        self.usual_name = {
            root: min(nodes, key=lambda n: (-self.times_seen[n], self.first_seen[n][0]))
            for root, nodes in members.items()
        }

    # -- pending list -------------------------------------------------------------------------
    def follow_pending(self, pubs: list[dict]) -> None:
        """Pending listings per (agency, model), their spells, and the events between pending lists."""
        self.pending_pubs = pubs
        self._pending_roots: dict[tuple, tuple] = {}
        self.twin_county: dict[tuple, str] = {}  # pending-only namesakes in another county
        self.pending_presence: list[dict[tuple, dict]] = []
        for pub in pubs:
            present: dict[tuple, dict] = {}
            for i, (u, v) in enumerate(self._units(pub, pending=True).items(), start=1):
                node = (u.state, u.key)
                root = self._pending_agency(node, v, _listing(pub, True, i))
                present.setdefault((root, u.model), v)
            self.pending_presence.append(present)

    def pending_root(self, node: tuple[str, str], v: dict) -> tuple:
        """The agency a pending row names, decided at that listing's first appearance."""
        return self._pending_roots[(node, identity.county_match_key(v["county"]))]

    def _pending_agency(self, node: tuple[str, str], v: dict, order: tuple) -> tuple:
        """The agency a pending listing names (decided at its first listing, `order`)."""
        key = (node, identity.county_match_key(v["county"]))
        if key not in self._pending_roots:
            root = self._pending_roots[key] = self._match_pending(node, v, order)
            if root == self.agency_of(node) or root == node:
                self._see(node, order, v)
        return self._pending_roots[key]

    def _namesake_elsewhere(self, node: tuple[str, str], county: str | None, day: dt.date) -> bool:
        """Whether a pending listing on `day` in `county` names another body than the participating
        listing of the same name: its county conflicts with every county that listing gave by then (or,
        listed only later, with its first), and with the one it gives now. A later county correction
        never splits a body from its own pending listing; where the two judgements differ, the
        namesake's id (with its county) is kept as a former id."""
        seen = self.counties_seen.get(node, [])
        by_then = [c for d, c in seen if d <= day] or [c for _, c in seen[:1]]
        then = bool(by_then) and all(identity.counties_conflict(c, county) for c in by_then)
        now = bool(seen) and identity.counties_conflict(seen[-1][1], county)
        if then != now:  # a build that ended earlier, or one by the first builds' rule, told them apart
            self.maybe_twin[node].add(county or "")
        return then and now

    def _signed_next(self, node: tuple[str, str], v: dict, day: dt.date) -> bool:
        """Whether this pending listing converted into the signing of the same name and model, whatever
        county ICE typed on either list: the name was first listed as signed soon after it, and the
        pending listing in that county left the list as the signing came (Yoakum Police Department, TX:
        pending in 'Lavaca County' on 2025-11-24 only, signed in 'Yoakum County' from 2025-11-25). A
        namesake elsewhere that stays pending after the signing is another body."""
        signed = self.model_first_listed.get((node, v["model"]))
        last = self.pending_last.get((*node, v["model"], identity.county_match_key(v["county"])))
        return (
            signed is not None
            and last is not None
            and 0 <= (signed - day).days <= PENDING_MATCH_DAYS
            and -CONVERSION_LAG_DAYS <= (signed - last).days <= CONVERSION_LAG_DAYS
        )

    def _match_pending(self, node: tuple[str, str], v: dict, order: tuple) -> tuple:
        if node in self.participating_nodes:
            elsewhere = self._namesake_elsewhere(node, v["county"], order[0])
            if elsewhere and self._signed_next(node, v, order[0]):
                self.maybe_twin[node].add(v["county"] or "")  # earlier builds told the two apart
                elsewhere = False
            if elsewhere:
                # the same name in another county, not converting into the signing, is another body
                # (Wheaton Police Department in Montgomery and in Barry County, MO)
                twin = (node[0], f"{node[1]}|{identity.county_match_key(v['county'])}")
                self._see(twin, order, v)
                self.twin_county[twin] = v["county"]
                return self.agencies.find(twin)
            return self.agency_of(node)
        # A pending name not on the participating list under that spelling: a strong match in the
        # same state and county, of the same kind of body, is the same agency.
        for root in sorted(self.participating_roots, key=repr):
            last = self.last_seen.get(root)
            if root[0] != node[0] or last is None:
                continue
            if (
                identity.county_match_key(last["county"]) == identity.county_match_key(v["county"])
                and similarity(last["agency"], v["agency"], node[0]) in ("same", "strong")
                and compatible_kinds(last["agency"], v["agency"])
            ):
                self.agencies.parent[node] = root  # a fresh singleton: attach it under the root
                return root
        return node

    # -- output -------------------------------------------------------------------------------
    def tables(self, ok: dict[str, list[dict]]) -> dict[str, list[dict]]:
        return _Tables(self, ok).build()


class _Tables:
    """Turns the resolved identities into the warehouse tables."""

    def __init__(self, h: _History, ok: dict[str, list[dict]]) -> None:
        self.h, self.ok = h, ok
        self.events: list[dict] = []
        self.agreement_rows: dict[str, dict] = {}
        self.spells: list[dict] = []
        self.hash_identity: dict[str, tuple[str, str]] = {}  # participating row_hash -> (agency, agreement)
        self.pending_identity: list[dict] = []  # pending rows, one by one (a listing's spell decides)
        self._unit_ids: dict[Unit, tuple[str, str]] = {}  # unit -> (agency id, agreement id)
        self.folded_rows: dict[tuple[str, int], dict] = {}  # duplicate rows, by publication and row

    def aid(self, node) -> str:
        return self.names.id[self.h.agency_of(node)]

    def _name_agencies(self) -> None:
        h = self.h
        members: dict[Hashable, list[tuple[str, str]]] = defaultdict(list)
        for node in h.first_seen:
            members[h.agency_of(node)].append(node)
        self.names = ids.AgencyNames(
            members,
            {n: seen[0] for n, seen in h.first_seen.items()},
            {n: seen[1] for n, seen in h.first_seen.items()},
            h.first_county,
            h.twin_county,
            {root: (n[0], h.first_participating_name[n]) for root, n in h.usual_name.items()},
            # an agency is named by its first name on the participating list (a pending name attached
            # to it later never renames it), or, never signed, by its first pending name
            {
                n: (0, h.first_participating[n]) if n in h.first_participating else (1, seen[0])
                for n, seen in h.first_seen.items()
            },
            h.spellings,
        )
        self.former: dict[str, set[str]] = defaultdict(set)  # agreement id -> ids it could have had
        self._listed_under: dict[Hashable, set[str]] = defaultdict(set)  # agency root -> agreements listed under it

    def _could_have_been(self, agreement: str, node, when: tuple, model, tail: str) -> None:
        """Note the ids a build ending at `when` could have given this agreement, listed under `node`."""
        self.former[agreement].update(f"{a}/{model or 'unknown'}/{tail}" for a in self.names.ids_before(node, when))

    def build(self) -> dict[str, list[dict]]:
        pubs = self.ok["participating"]
        self._name_agencies()
        self._assign_ids()
        self._folded_ids()
        presence: list[dict[str, tuple[Unit, dict]]] = []
        for i, p in enumerate(pubs):  # a list put up again right after itself lists the same agreements
            repeat = i > 0 and pubs[i - 1]["publication_id"] == p["publication_id"]
            presence.append(presence[-1] if repeat else self._agreements_in(p))
        supersedes = self._supersede_map()
        self._participating_events(pubs, presence, supersedes)
        self._spells(pubs, presence)
        self._pending()
        self._agencies()
        in_order = sorted(
            self.agreement_rows.values(),
            key=lambda a: (min(d for d in (a["first_listed"], a["pending_first_listed"]) if d), a["agreement_id"]),
        )
        former = ids.former_ids({a["agreement_id"]: a["agreement_id"] for a in in_order}, self.former)
        for aid, rec in self.agreement_rows.items():
            rec["former_ids"] = former[aid]
        return {
            "agencies": self.agency_rows,
            "agreements": sorted(self.agreement_rows.values(), key=lambda a: a["agreement_id"]),
            "agreement_spells": self.spells,
            "events": with_event_ids(
                sorted(self.events, key=lambda e: (e["date"], e["kind"], e["agreement_id"] or "", e["agency_id"]))
            ),
            "hash_identity": [
                {"row_hash": h, "agency_id": a, "agreement_id": g} for h, (a, g) in sorted(self.hash_identity.items())
            ],
            "pending_identity": self.pending_identity,
            "identity_links": self._link_rows(),
            "folded_rows": sorted(
                self.folded_rows.values(), key=lambda r: (r["first_date"], r["publication_id"], r["row_number"])
            ),
            "in_effect": _in_effect(self.ok),
        }

    def _agreements_in(self, pub: dict) -> dict[str, tuple[Unit, dict]]:
        """agreement id -> (unit, row values) of the first row listing it, for one publication."""
        out: dict[str, tuple[Unit, dict]] = {}
        rows = self.h.rows_by_pub[pub["publication_id"]]
        seq = pub["seq"]
        plain = not (self.h.split or self.h.dups_in.get(seq))
        if not plain:  # a duplicate row speaks for its agreement only when the original's row is not listed
            rows = sorted(rows, key=lambda r: self.h.unit_of(r[1], seq) != _unit(r[1], False))
        for row_number, v in rows:
            u = _unit(v, False) if plain else self.h.unit_of(v, seq)
            ids = self._unit_ids.get(u)
            if ids is None:
                agreement = self._ids[self.h.agreements.find(u)]
                ids = self._unit_ids[u] = (self.agreement_agency[agreement], agreement)
            original, rule = self.h.dups_in.get(seq, {}).get(_unit(v, False), (None, ""))
            if original is not None:
                self.folded_rows.setdefault(
                    (pub["publication_id"], row_number),
                    {
                        "publication_id": pub["publication_id"],
                        "row_number": row_number,
                        "rule": rule,
                        "state": v["state"],
                        "agency_name": v["agency"],
                        "model": v["model"],
                        "signed": v["signed"],
                        "moa_url": v["moa_url"],
                        "agreement_id": ids[1],
                        "first_date": pub["effective_from"],
                    },
                )
            out.setdefault(ids[1], (u, v))
            self.hash_identity[v["row_hash"]] = ids
        return out

    def _assign_ids(self) -> None:
        """agreement id = agency id of its first listing / model / first signing date seen; the ids its
        other listings would have given it on their own are former ids."""
        groups: dict = defaultdict(list)
        for u in self.h.agreements.parent:
            groups[self.h.agreements.find(u)].append(u)
        first: dict[Unit, tuple] = {}  # unit -> its first listing
        last: dict[Unit, int] = {}  # unit -> the last publication listing it
        posts = self.ok["participating"]
        for i, pub in enumerate(posts):
            if i > 0 and posts[i - 1]["publication_id"] == pub["publication_id"]:
                continue  # the same rows again: neither a first listing nor a new order of last ones
            plain = not (self.h.split or self.h.dups_in.get(pub["seq"]))
            for position, (_, v) in enumerate(self.h.rows_by_pub[pub["publication_id"]], start=1):
                u = _unit(v, False) if plain else self.h.unit_of(v, pub["seq"])
                first.setdefault(u, _listing(pub, False, position))
                last[u] = i
        self._ids: dict = {}
        taken: set[str] = set()
        # one agency per agreement: the one it is listed under now, for its rows and events as well
        self.agreement_agency: dict[str, str] = {}
        self.agreement_model: dict[str, str | None] = {}
        for root, units in sorted(groups.items(), key=lambda kv: min(first[u] for u in kv[1])):
            units.sort(key=lambda u: (first[u], repr(u)))
            # named by its first signing date, unless ICE's slip put that in another millennium
            latest = max(units, key=lambda u: (last[u], repr(u)))
            # ...under the agency it belongs to (a listing ICE first put under another state's namesake
            # names it only as a former id)
            moved = self.h.moved_off.intersection(units)
            if moved:
                home = self.h.agency_of((latest.state, latest.key))
                units.sort(key=lambda u: self.h.agency_of((u.state, u.key)) != home)
            u0 = next((u for u in units if not identity.implausible_date(u.signed)), units[0])
            aid = ids.unique(f"{self.aid((u0.state, u0.key))}/{u0.model or 'unknown'}/{u0.signed or 'undated'}", taken)
            taken.add(aid)
            self._ids[root] = aid
            # builds that had merged the two namesakes named its pending listing by the other one
            self.former[aid] |= {f"{self.aid((u.state, u.key))}/{u.model or 'unknown'}/pending" for u in moved}
            self.agreement_agency[aid] = self.aid((latest.state, latest.key))
            self.agreement_model[aid] = u0.model
            for u in units:
                self._listed_under[self.h.agency_of((u.state, u.key))].add(aid)
            for u in units:
                self._could_have_been(aid, (u.state, u.key), first[u], u.model, str(u.signed or "undated"))
                if (u.state, u.key) in self.h.maybe_twin:  # named by its county beside a namesake
                    own = {c for _, c in self.h.counties_seen.get((u.state, u.key), []) if c}
                    self.former[aid] |= {
                        f"{a}-{ids.slug(c)}/{u.model or 'unknown'}/{u.signed or 'undated'}"
                        for a in self._legacy_ids((u.state, u.key))
                        for c in own
                    }
            # the first builds' rule: the agency of the latest listing, its most-listed name
            legacy = self.h.usual_name.get(self.h.agency_of((latest.state, latest.key)))
            if legacy is not None:
                self.former[aid] |= {
                    f"{a}/{u0.model or 'unknown'}/{u0.signed or 'undated'}" for a in self._legacy_ids(legacy)
                }

    def _folded_ids(self) -> None:
        """A duplicate row made an agreement (and agency) of its own in earlier builds: those ids name
        the agreement (and agency) it was folded into."""
        self.folded_agency_ids: dict[str, set[str]] = defaultdict(set)  # agency id -> ids of duplicates
        for u, (name, original) in sorted(self.h.folded_name.items(), key=repr):
            agreement = self._ids[self.h.agreements.find(original)]
            agency, raw = ids.candidates(u.state, name)
            node = (u.state, u.key)
            known = [self.aid(node)] if node in self.names.root_of else []  # its name is an agency's
            for a in (agency, *raw, *known):
                self.former[agreement].add(f"{a}/{u.model or 'unknown'}/{u.signed or 'undated'}")
                self.folded_agency_ids[self.agreement_agency[agreement]].add(a)

    def _supersede_map(self) -> dict[str, str]:
        """old agreement -> the agreement that renewed it (in the same comparison or after a gap)."""
        out = {}
        for link, *_ in self.h.links:
            if link.kind == "supersede":
                out[self._ids[self.h.agreements.find(link.old)]] = self._ids[self.h.agreements.find(link.new)]
        return out

    def _event(self, kind: str, a: dict, b: dict, u: Unit | None, v: dict, agreement: str | None, **extra) -> None:
        self.events.append(
            {
                "date": b["effective_from"],
                "kind": kind,
                "agency_id": self.agreement_agency[agreement] if u and agreement else extra.pop("agency_id"),
                "agreement_id": agreement,
                "state": v["state"],
                "model": v["model"],
                "agency_name": v["agency"],  # as ICE listed it (agencies and agreements show the fix)
                "signed": v.get("signed") if u and u.signed else None,
                "moa_url": v.get("moa_url"),
                "from_publication_id": a["publication_id"],
                "to_publication_id": b["publication_id"],
                "from_sha256": a["sha256"],
                "to_sha256": b["sha256"],
                "previous_date": a["last_observed"]
                if a["last_observed"] <= b["effective_from"]
                else a["effective_from"],
                **{
                    k: None
                    for k in (
                        "previous_name",
                        "previous_signed",
                        "previous_moa_url",
                        "moa_date",
                        "rule",
                        "related_agreement_id",
                    )
                },
                **extra,
            }
        )

    def _participating_events(self, pubs, presence, supersedes) -> None:
        rules = {}
        for link, _, b, _, _ in self.h.links:
            if link.kind in ("revision", "rename", "state_fixed") or link.decision == "same":
                rules[(b["seq"], self._ids[self.h.agreements.find(link.new)])] = link
        seen = set(presence[0]) if presence else set()
        # the last MOA link listed for each agreement; a copy re-saved without hyperlinks says nothing
        known_url = {agreement: v["moa_url"] for agreement, (_, v) in (presence[0] if presence else {}).items()}
        self.real_url = {g: url for g, url in known_url.items() if url}  # the MOA taken as the agreement's
        self.mislinked: dict[str, str] = {}  # agreement -> the agency its listed MOA link names instead
        self.renewed: dict[str, dt.date | None] = {}  # agreement -> the date of the MOA that renewed it
        self._moa_judge()
        first_index = dict.fromkeys(presence[0], 0) if presence else {}  # agreement -> first posting listing it
        for i in range(1, len(pubs)):
            a, b, before, after = pubs[i - 1], pubs[i], presence[i - 1], presence[i]
            for agreement in after:
                first_index.setdefault(agreement, i)
            for agreement, (u, v) in after.items():
                if agreement not in before:
                    self._event("relisted" if agreement in seen else "listed", a, b, u, v, agreement)
                    self._moa_event(a, b, u, v, agreement, known_url)
                    continue
                _, ov = before[agreement]
                matched = rules.get((b["seq"], agreement))
                rule = matched.rule if matched else None
                if ov["agency"] != v["agency"] and name_key(ov["agency"]) != name_key(v["agency"]):
                    self._event("renamed", a, b, u, v, agreement, previous_name=ov["agency"], rule=rule)
                if ov["signed"] != v["signed"]:
                    self._event("date_revised", a, b, u, v, agreement, previous_signed=ov["signed"], rule=rule)
                self._moa_event(a, b, u, v, agreement, known_url)
            for agreement, (u, v) in before.items():
                if agreement in after:
                    continue
                successor = supersedes.get(agreement) or self._renewal_beside(agreement, u, after, first_index, i)
                if successor and any(successor in later for later in presence[i:]):
                    self._event("superseded", a, b, u, v, agreement, related_agreement_id=successor)
                elif any(agreement in later for later in presence[i + 1 :]):
                    self._event("delisted", a, b, u, v, agreement)  # it comes back later
                else:
                    self._event("ended", a, b, u, v, agreement)
            seen.update(after)

    def _renewal_beside(self, agreement: str, u: Unit, after: dict, first_index: dict, i: int) -> str | None:
        """An agreement of the same agency and model, signed later and listed beside this one shortly
        before it went: its renewal (UCF's Board of Trustees TFM of 2025-04-15, replaced by its police
        department's of 2025-07-24 a week later)."""
        agency = self.agreement_agency[agreement]
        posts = self.ok["participating"]
        for other, (ou, _) in sorted(after.items()):
            if (
                other != agreement
                and self.agreement_agency[other] == agency
                and ou.model == u.model
                and ou.signed
                and u.signed
                and ou.signed > u.signed
                and first_index[agreement] < first_index[other]
                and (posts[i]["effective_from"] - posts[first_index[other]]["effective_from"]).days <= GAP_DAYS
            ):
                return other
        return None

    def _moa_judge(self) -> None:
        models: dict[str, set[str]] = defaultdict(set)  # agency -> the models it signed
        for agreement, agency in self.agreement_agency.items():
            models[agency].add(self.agreement_model[agreement] or "")
        by_state: dict[str, set[tuple[str, str, frozenset[str]]]] = defaultdict(set)
        self.agency_names: dict[str, set[str]] = defaultdict(set)
        for node, (_, name, state, _) in self.h.first_seen.items():
            aid = self.aid(node)
            self.agency_names[aid] |= {name, *self.h.spellings.get(node, ())}
            if aid in models:  # only agencies that signed can have an MOA to paste elsewhere
                by_state[state].add((aid, name, frozenset(models[aid])))
        self.judge = moa_links.MoaJudge({st: sorted(pairs, key=repr) for st, pairs in by_state.items()})

    def _moa_event(self, a, b, u, v, agreement, known_url: dict) -> None:
        url, before = v["moa_url"], known_url.get(agreement)
        if not url or url == before:
            return  # 'link pending', or a copy without hyperlinks: nothing posted, nothing withdrawn
        known_url[agreement] = url
        agency, real = self.agreement_agency[agreement], self.real_url.get(agreement)
        j = self.judge.judge(url, real, v["state"], agency, self.agency_names[agency], v["model"], v["signed"])
        if j.kind == "mislinked":  # a neighbour's MOA in this row: flagged, not taken as its MOA
            self._event(
                "moa_mislinked",
                a,
                b,
                u,
                v,
                agreement,
                previous_moa_url=real,
                moa_date=j.moa_date,
                rule=f"names {j.other}",
            )
            self.mislinked[agreement] = j.other or ""
            return
        self.mislinked.pop(agreement, None)
        if url == real:
            return  # ICE put back the agreement's own MOA after a mislink
        self.real_url[agreement] = url
        if real is None:
            self._event("moa_posted", a, b, u, v, agreement, moa_date=j.moa_date)
        elif j.kind == "renewed":
            self._event(
                "renewed", a, b, u, v, agreement, previous_moa_url=real, moa_date=j.moa_date, rule="moa_file_date"
            )
            self.renewed[agreement] = j.moa_date
        else:
            self._event("moa_changed", a, b, u, v, agreement, previous_moa_url=real, moa_date=j.moa_date)

    def _spells(self, pubs, presence) -> None:
        latest = presence[-1] if presence else {}
        info: dict[str, dict] = {}
        for i, (pub, present) in enumerate(zip(pubs, presence)):
            for agreement, (u, v) in present.items():
                rec = info.setdefault(agreement, {"spells": [], "first": (u, v), "units": set()})
                rec["last"] = (u, v)
                rec["units"].add(u)
                rec.setdefault("spellings", set()).add(v["agency"])
                spells = rec["spells"]
                if spells and spells[-1]["last_seq"] == i - 1:
                    spells[-1].update(
                        last_seq=i, last_listed=pub["last_observed"], last_publication_id=pub["publication_id"]
                    )
                else:
                    spells.append(
                        {
                            "first_seq": i,
                            "last_seq": i,
                            "first_listed": pub["effective_from"],
                            "last_listed": pub["last_observed"],
                            "first_publication_id": pub["publication_id"],
                            "last_publication_id": pub["publication_id"],
                        }
                    )
        ends = {e["agreement_id"]: e for e in self.events if e["kind"] in ("ended", "superseded")}
        successor_of = {e["agreement_id"]: e["related_agreement_id"] for e in self.events if e["kind"] == "superseded"}
        for agreement, rec in info.items():
            (_, fv), (lu, lv) = rec["first"], rec["last"]
            status = (
                "active"
                if agreement in latest
                else ("superseded" if ends.get(agreement, {}).get("kind") == "superseded" else "ended")
            )
            for n, s in enumerate(rec["spells"], start=1):
                self.spells.append(
                    {
                        "agreement_id": agreement,
                        "spell": n,
                        **{
                            k: s[k]
                            for k in ("first_listed", "last_listed", "first_publication_id", "last_publication_id")
                        },
                        "first_seq": pubs[s["first_seq"]]["seq"],
                        "last_seq": pubs[s["last_seq"]]["seq"],
                    }
                )
            self.agreement_rows[agreement] = _agreement_record(
                agreement,
                self.aid((lu.state, lu.key)),
                lv,
                signed=lv["signed"],
                first_signed=fv["signed"],
                status=status,
                first_listed=rec["spells"][0]["first_listed"],
                last_listed=rec["spells"][-1]["last_listed"],
                listed_at_start_of_record=rec["spells"][0]["first_seq"] == 0,
                ended_on=ends[agreement]["date"] if status != "active" and agreement in ends else None,
                superseded_by=successor_of.get(agreement) if status == "superseded" else None,
                n_spells=len(rec["spells"]),
                addendum_url=lv["addendum_url"],
                names=sorted(rec["spellings"]),  # ICE's spellings, as listed
            )
        for old, new in successor_of.items():
            if new in self.agreement_rows:
                self.agreement_rows[new]["supersedes"] = old
        for agreement, rec in self.agreement_rows.items():
            self._settle(agreement, rec)

    def _settle(self, agreement: str, rec: dict) -> None:
        """The MOA taken as the agreement's (not a neighbour's pasted in), the date its file name gives,
        a renewal ICE did not re-date, and the signing date settled against ICE's SIGNED."""
        if agreement in self.mislinked:
            rec["moa_url"], rec["moa_mislinked_to"] = self.real_url.get(agreement), self.mislinked[agreement]
        rec["moa_file_date"] = moa_links.file_date(rec["moa_url"])
        rec["renewed_on"] = self.renewed.get(agreement)
        rec["signed_listed"] = rec["signed"]
        rec["signed"], rec["signed_basis"], rec["signed_reason"] = signing.settle(
            rec["state"],
            [rec["agency_name"], *rec["names"]],
            rec["model"],
            rec["signed"],
            rec["first_listed"],
            rec["moa_file_date"],
        )

    def _pending(self) -> None:
        h = self.h
        pubs = h.pending_pubs
        spells: dict[tuple, list[dict]] = defaultdict(list)
        for i, present in enumerate(h.pending_presence):
            pub = pubs[i]
            for key, v in present.items():
                runs = spells[key]
                if runs and runs[-1]["last_index"] == i - 1:
                    runs[-1].update(last_index=i, last_listed=pub["last_observed"], v=v)
                else:
                    runs.append(
                        {
                            "first_index": i,
                            "last_index": i,
                            "first_listed": pub["effective_from"],
                            "last_listed": pub["last_observed"],
                            "v": v,
                            "order": _listing(pub, True, 1 << 30),  # by the end of that publication
                        }
                    )
        latest = h.pending_presence[-1] if h.pending_presence else {}
        by_agency_model: dict[tuple, list[dict]] = defaultdict(list)
        for a in self.agreement_rows.values():
            by_agency_model[(a["agency_id"], a["model"])].append(a)
        converted: dict[tuple[tuple, int], str] = {}
        for (root, model), ss in sorted(spells.items(), key=lambda kv: repr(kv[0])):
            agency = self.aid(root)
            for n, s in enumerate(ss):
                end = s["last_listed"] + dt.timedelta(days=PENDING_MATCH_DAYS)
                for a in sorted(by_agency_model.get((agency, model), []), key=lambda a: a["first_listed"]):
                    if s["first_listed"] <= a["first_listed"] <= end and a["pending_first_listed"] is None:
                        a["pending_first_listed"], a["pending_last_listed"] = s["first_listed"], s["last_listed"]
                        if a["signed"]:
                            a["days_pending_to_signed"] = (a["signed"] - s["first_listed"]).days
                        converted[(root, model), n] = a["agreement_id"]
                        self._pending_could_have_been(a["agreement_id"], root, model, s)
                        break
        pending_ids: dict[tuple[tuple, int], str] = {}
        for (root, model), ss in spells.items():
            signed_before: dt.date | None = None
            for n, s in enumerate(ss):
                if ((root, model), n) in converted:
                    signed_before = signed_before or s["first_listed"]
                    continue
                # runs of pending listings share one record until one is signed; a listing after that
                # is a new record, so that the pending id of the signed one keeps naming it
                tail = "pending" if signed_before is None else f"pending-{s['first_listed']}"
                agreement = f"{self.aid(root)}/{model or 'unknown'}/{tail}"
                pending_ids[(root, model), n] = agreement
                v = s["v"]
                rec = self.agreement_rows.get(agreement)
                if rec is None:
                    rec = self.agreement_rows[agreement] = _agreement_record(
                        agreement, self.aid(root), v, model=model, pending_first_listed=s["first_listed"]
                    )
                rec["pending_last_listed"] = s["last_listed"]
                rec["status"] = "pending" if (root, model) in latest else "pending_removed"
                self._pending_could_have_been(agreement, root, model, s)
        # events and row identities on the pending list
        identified: set[tuple[str, int]] = set()
        for i, pub in enumerate(pubs):
            present = h.pending_presence[i]
            for row_number, v in h.rows_by_pub[pub["publication_id"]]:
                u = _unit(v, True)
                root = h.pending_root((u.state, u.key), v)
                n = next(k for k, s in enumerate(spells[(root, u.model)]) if s["first_index"] <= i <= s["last_index"])
                listed_as = converted.get(((root, u.model), n)) or pending_ids.get(((root, u.model), n))
                if listed_as and v["county"] in h.maybe_twin.get((u.state, u.key), ()):
                    for legacy in self._legacy_ids((u.state, u.key)):
                        self.former[listed_as].add(f"{legacy}-{ids.slug(v['county'])}/{u.model or 'unknown'}/pending")
                if (pub["publication_id"], row_number) in identified:
                    continue  # a content posted again: its rows are identified by its first posting
                identified.add((pub["publication_id"], row_number))
                self.pending_identity.append(
                    {
                        "publication_id": pub["publication_id"],
                        "row_number": row_number,
                        "agency_id": self.agreement_agency.get(listed_as or "", self.aid(root)),
                        "agreement_id": listed_as,
                    }
                )
            if i == 0:
                continue
            a, before = pubs[i - 1], h.pending_presence[i - 1]
            for key, v in present.items():
                if key not in before:
                    self._pending_event("pending_listed", a, pub, key, v, spells, i, converted, pending_ids)
            for key, v in before.items():
                if key not in present:
                    self._pending_event("pending_removed", a, pub, key, v, spells, i - 1, converted, pending_ids)

    def _pending_could_have_been(self, agreement: str, root, model, spell: dict) -> None:
        """The ids a pending listing had before it was signed (or under a name listed later)."""
        self._could_have_been(agreement, root, spell["order"], model, "pending")
        legacy = self.h.usual_name.get(root)
        if legacy is not None:
            self.former[agreement] |= {f"{a}/{model or 'unknown'}/pending" for a in self._legacy_ids(legacy)}

    def _legacy_ids(self, node) -> list[str]:
        """The id the first builds gave a name: its slug, before and after the reviewed name fixes
        (fixes added later must not orphan it)."""
        fixed, raw = ids.candidates(node[0], self.h.first_participating_name[node])
        return [fixed, *raw]

    def _pending_event(self, kind, a, b, key, v, spells, index, converted, pending_ids) -> None:
        root, _ = key
        n = next(k for k, s in enumerate(spells[key]) if s["first_index"] <= index <= s["last_index"])
        agreement = converted.get((key, n)) or pending_ids.get((key, n))
        self._event(kind, a, b, None, v, agreement, agency_id=self.agreement_agency.get(agreement, self.aid(root)))

    def _agencies(self) -> None:
        by_agency: dict[str, list[dict]] = defaultdict(list)
        for a in self.agreement_rows.values():
            by_agency[a["agency_id"]].append(a)
        names: dict[str, set[str]] = defaultdict(set)
        first: dict[str, dt.date] = {}
        for node, (_, name, _, day) in self.h.first_seen.items():
            aid = self.aid(node)
            names[aid] |= {name, *self.h.spellings.get(node, ())}
            first[aid] = min(first.get(aid, day), day)
        # An agency whose listings all belong to agreements carried on under another agency now (a
        # sheriff's office relabelled as the county board that signed) has no row: its ids name the
        # agency that carries them.
        former = {self.names.id[root]: set(f) for root, f in self.names.former.items()}
        for node, counties in self.h.maybe_twin.items():
            aid = self.aid(node)
            # the namesake's id (its county) and, when the namesake was listed first, this body's own
            own = {c for _, c in self.h.counties_seen.get(node, [])}
            former[aid] |= {f"{a}-{ids.slug(c)}" for a in self._legacy_ids(node) for c in counties | own if c}
        for aid, folded in self.folded_agency_ids.items():
            former[aid] |= folded
        for root, aid in self.names.id.items():
            if aid not in by_agency:
                carriers = sorted({self.agreement_agency[g] for g in self._listed_under.get(root, set())})
                if carriers:
                    former[carriers[0]] |= {aid, *former[aid]}
        current = set(by_agency)
        self.agency_rows = []
        for aid, agreements in sorted(by_agency.items()):
            latest = max(
                agreements,
                key=lambda a: (a["last_listed"] or a["pending_last_listed"] or dt.date.min, a["agreement_id"]),
            )
            self.agency_rows.append(
                {
                    "agency_id": aid,
                    "state": aid.split("/", 1)[0],
                    "name": latest["agency_name"],
                    "names": sorted(names[aid]),
                    "agency_type": latest["agency_type"],
                    "county": latest["county"],
                    "first_seen": first.get(aid),
                    "former_ids": sorted(former.get(aid, set()) - current),
                    "models": sorted({a["model"] for a in agreements if a["status"] == "active" and a["model"]}),
                    "n_agreements": sum(
                        1 for a in agreements if a["signed"] is not None or a["first_listed"] is not None
                    ),
                    "status": "active"
                    if any(a["status"] == "active" for a in agreements)
                    else "pending"
                    if any(a["status"] == "pending" for a in agreements)
                    else "inactive",
                }
            )

    def _link_rows(self) -> list[dict]:
        out = []
        for link, a, b, old, new in self.h.links:
            out.append(
                {
                    "kind": link.kind,
                    "rule": link.rule,
                    "decision": link.decision,
                    "state": new["state"],
                    "model": new["model"],
                    "old_name": old["agency"],
                    "new_name": new["agency"],
                    "old_signed": old["signed"],
                    "new_signed": new["signed"],
                    "old_county": old["county"],
                    "new_county": new["county"],
                    "date": b["effective_from"],
                    "from_publication_id": a["publication_id"],
                    "to_publication_id": b["publication_id"],
                    "agreement_id": self._ids[self.h.agreements.find(link.new)],
                }
            )
        return out


def _agreement_record(agreement_id: str, agency_id: str, v: dict, **fields) -> dict:
    """A row of the agreements table, described by a row of the sheets (`v`), with `fields` set and
    everything else empty."""
    return {
        "agreement_id": agreement_id,
        "agency_id": agency_id,
        "state": v["state"],
        "model": v["model"],
        "agency_name": ids.shown_name(v["state"], v["agency"]),
        "agency_type": v["agency_type"],
        "county": v["county"],
        "signed": None,
        "first_signed": None,
        "status": None,
        "first_listed": None,
        "last_listed": None,
        "listed_at_start_of_record": False,
        "ended_on": None,
        "superseded_by": None,
        "supersedes": None,
        "n_spells": 0,
        "moa_url": v["moa_url"],
        "moa_url_listed": v["moa_url"],
        "moa_state": v["moa_state"],
        "moa_file_date": None,
        "moa_mislinked_to": None,
        "renewed_on": None,
        "signed_listed": None,
        "signed_basis": None,
        "signed_reason": None,
        "addendum_url": None,
        "names": [v["agency"]],
        "pending_first_listed": None,
        "pending_last_listed": None,
        "days_pending_to_signed": None,
        **fields,
    }


def _in_effect(ok: dict[str, list[dict]]) -> list[dict]:
    """For each list, the posting in effect from each day one took effect until the next: the last ok
    posting (in posted order) that had taken effect by then. A file seen again later is the same
    posting and changes nothing; a new file does, whatever its content."""
    out = []
    for kind, posts in ok.items():
        by_day: dict[dt.date, dict] = {}
        for p in posts:  # in posted order: the last of a day wins
            by_day[p["effective_from"]] = p
        days = sorted(by_day)
        for i, day in enumerate(days):
            p = by_day[day]
            out.append(
                {
                    "kind": kind,
                    "from_date": day,
                    "until_date": days[i + 1] if i + 1 < len(days) else None,
                    "publication_id": p["publication_id"],
                    "seq": p["seq"],
                    "sha256": p["sha256"],
                }
            )
    return out


_EVENT_KEY = (
    "kind",
    "agreement_id",
    "agency_id",
    "to_sha256",
    "previous_name",
    "previous_signed",
    "previous_moa_url",
    "moa_url",
)


def with_event_ids(events: list[dict]) -> list[dict]:
    """Each event's id: what it is, whose, and the file (sha256) that first showed it — never its date or
    position, so the id stays when the record is rebuilt or grows (feeds and alerts key on it)."""
    seen: Counter = Counter()
    for e in events:
        key = json.dumps([str(e.get(k) or "") for k in _EVENT_KEY])
        base = "ev-" + hashlib.sha256(key.encode()).hexdigest()[:16]
        seen[base] += 1
        e["event_id"] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return events
