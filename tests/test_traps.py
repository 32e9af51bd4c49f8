"""DESIGN §3's known traps, each checked on the real data in the full warehouse."""

import datetime as dt


def one(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]  # fetchone would leave the result open


def test_four_participating_layouts_and_three_pending(con):
    layouts = {layout for (layout,) in con.execute("SELECT DISTINCT layout FROM publications").fetchall()}
    assert layouts == {
        "participating-2021-web",
        "participating-2025-02",
        "participating-2025-03",
        "participating-2025-07",
        "pending-2025-02",
        "pending-2025-03",
        "pending-2026-01",
    }


def test_link_cells_carry_their_hyperlink_target(con):
    # 'link' cells of ICE-published files with hyperlinks resolve to an ice.gov document
    n_link, n_ice = con.execute(
        """SELECT count(*), count(*) FILTER (moa_url LIKE 'https://www.ice.gov/%') FROM roster_rows
           WHERE moa_state = 'link'"""
    ).fetchone()
    assert n_link > 150000 and n_ice == n_link


def test_safelinks_are_unwrapped(con):
    assert one(con, "SELECT count(*) FROM roster_rows WHERE moa_target LIKE '%safelinks%'") > 30000
    assert (
        one(con, "SELECT count(*) FROM roster_rows WHERE moa_url LIKE '%safelinks%' OR addendum_url LIKE '%safelinks%'")
        == 0
    )


def test_malformed_targets_are_repaired(con):
    assert one(con, "SELECT count(*) FROM roster_rows WHERE moa_target LIKE 'chrome-extension:%'") > 0
    assert one(con, "SELECT count(*) FROM roster_rows WHERE moa_url NOT LIKE 'https://%'") == 0


def test_link_pending_is_a_state_not_a_url(con):
    rows = con.execute("SELECT DISTINCT moa_text, moa_url FROM roster_rows WHERE moa_state = 'pending'").fetchall()
    assert {t.strip().lower() for t, _ in rows} == {"link pending"}
    assert all(u is None for _, u in rows)


def test_trailing_spaces_and_case_fold_into_one_value(con):
    assert (
        one(con, "SELECT count(DISTINCT state_raw) FROM roster_rows WHERE state = 'TX'") >= 3
    )  # TEXAS, 'TEXAS ', Texas
    assert one(con, "SELECT count(DISTINCT agency) FROM roster_rows WHERE agency <> trim(agency)") == 0


def test_misspelt_states_and_models_are_mapped(con):
    assert one(con, "SELECT state FROM roster_rows WHERE state_raw = 'PENNSLYVANIA' LIMIT 1") == "PA"
    assert one(con, "SELECT state FROM roster_rows WHERE state_raw = 'UTAHJ' LIMIT 1") == "UT"
    assert one(con, "SELECT model FROM roster_rows WHERE model_raw = 'Jail Enforcment Model ' LIMIT 1") == "JEM"
    assert one(con, "SELECT model FROM roster_rows WHERE model_raw = 'Warrant Services Officer' LIMIT 1") == "WSO"
    assert one(con, "SELECT count(*) FROM roster_rows WHERE state IS NULL") == 0


def test_curly_and_straight_apostrophes_are_one_agency(con):
    curly = one(con, "SELECT count(DISTINCT agency_raw) FROM roster_rows WHERE agency_raw LIKE '%\u2019%'")
    assert curly > 0
    assert one(con, "SELECT count(*) FROM roster_rows WHERE agency LIKE '%\u2019%'") == 0
    # the same agency appears spelt both ways; after cleaning it has one key
    keys = con.execute(
        """SELECT agency_key FROM roster_rows WHERE agency_raw LIKE '%\u2019%'
           INTERSECT SELECT agency_key FROM roster_rows WHERE agency_raw LIKE '%''%'"""
    ).fetchall()
    assert keys


def test_exact_duplicate_rows_are_kept_and_counted(con):
    dup = con.execute(
        """SELECT publication_id, row_key, count(*) c FROM roster_rows GROUP BY ALL HAVING c > 1 LIMIT 1"""
    ).fetchone()
    assert dup
    rows, distinct = con.execute(
        "SELECT rows, distinct_rows FROM publications WHERE publication_id = ?", [dup[0]]
    ).fetchone()
    assert distinct < rows


def test_wrong_date_in_file_name_does_not_date_the_publication(con):
    # participatingAgencies01062025pm.xlsx was published in January 2026, not 2025
    first = one(
        con,
        """SELECT min(first_observed) FROM publications
           WHERE list_contains(file_names, 'participatingAgencies01062025pm.xlsx')""",
    )
    assert first == dt.date(2026, 1, 6)


def test_swapped_links_are_decided_by_content(con):
    kind, published = con.execute(
        "SELECT kind, published_as FROM files WHERE list_contains(names, 'participatingAgencies09222025pm.xlsx')"
    ).fetchone()
    assert kind == "pending" and published == ["participating"]
    assert one(con, "SELECT n FROM qa_checks WHERE check_name = 'kind_by_content'") == 1


def test_resaved_copy_is_read_without_links(con):
    pub = one(
        con, "SELECT publication_id FROM files WHERE list_contains(names, 'participatingAgencies-20250301180751.xlsx')"
    )
    states = dict(
        con.execute("SELECT moa_state, count(*) FROM roster_rows WHERE publication_id = ? GROUP BY 1", [pub]).fetchall()
    )
    assert states.get("link", 0) == 0 and states["no_target"] == 135


def test_pending_list_empty_some_days_is_a_normal_publication(con):
    status, kind = con.execute("SELECT status, kind FROM publications WHERE rows = 0").fetchone()
    assert (status, kind) == ("ok", "pending")


def test_signing_dates_typed_as_text_are_read(con):
    rows = con.execute(
        "SELECT DISTINCT signed_raw, signed FROM roster_rows WHERE signed_rule = 'us_text_missing_slash'"
    ).fetchall()
    assert ("05/082025", dt.date(2025, 5, 8)) in rows and ("7/72025", dt.date(2025, 7, 7)) in rows


def test_na_county_and_type_are_missing_values(con):
    row = con.execute(
        "SELECT county, agency_type, type_raw FROM roster_rows WHERE county_raw = '#NA' AND type_raw = '#NA' LIMIT 1"
    ).fetchone()
    assert row[0] is None and row[1] is None and row[2] == "#NA"


def test_library_returns_a_publications_rows_raw_and_normalised(con):
    from open287g import queries

    pub = one(
        con, "SELECT publication_id FROM files WHERE list_contains(names, 'participatingAgencies-20250301180751.xlsx')"
    )
    rows = queries.roster_rows(con, pub)
    assert rows.height == 239 and rows["row_number"].is_sorted()
    assert {"state_raw", "state", "agency_raw", "agency", "agency_id", "agreement_id", "moa_state"} <= set(rows.columns)
