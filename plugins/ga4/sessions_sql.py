"""The set-based sessionisation: one DuckDB query turns export events into sessions.

Fixed SQL text; the only values from outside (file paths, the first day to emit) are
bound as parameters. The flat event relation comes from ``export_schema``.
"""

from __future__ import annotations

from .channel_groups import SEARCH_SITES, channel_group_sql, site_pattern, source_category_sql

# DuckDB macros reading one event parameter's value struct (whichever of its typed
# fields holds the value), and URL parts.
MACROS = """
CREATE OR REPLACE TEMP MACRO ga4_text(v) AS
    coalesce(v.string_value, CAST(v.int_value AS VARCHAR),
             CAST(coalesce(v.double_value, v.float_value) AS VARCHAR));
CREATE OR REPLACE TEMP MACRO ga4_int(v) AS
    coalesce(TRY_CAST(v.int_value AS BIGINT), TRY_CAST(v.string_value AS BIGINT),
             TRY_CAST(coalesce(v.double_value, v.float_value) AS BIGINT));
CREATE OR REPLACE TEMP MACRO ga4_num(v) AS
    coalesce(v.double_value, v.float_value, TRY_CAST(v.int_value AS DOUBLE),
             TRY_CAST(v.string_value AS DOUBLE));
CREATE OR REPLACE TEMP MACRO ga4_host(url) AS
    lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#:@]+)', 1));
CREATE OR REPLACE TEMP MACRO ga4_path(url) AS
    CASE WHEN url IS NULL THEN NULL
         WHEN regexp_matches(url, '^[A-Za-z][A-Za-z0-9+.-]*://')
         THEN coalesce(nullif(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)',
                                             1), ''), '/')
         ELSE coalesce(nullif(regexp_extract(url, '^([^?#]*)', 1), ''), '/') END;
"""



def _touch(source: str, medium: str, campaign: str, channel: str = "NULL") -> str:
    return (f"struct_pack(source := CAST({source} AS VARCHAR), "
            f"medium := CAST({medium} AS VARCHAR), campaign := CAST({campaign} AS VARCHAR), "
            f"channel := CAST({channel} AS VARCHAR))")


def sessions_query(events_sql: str) -> str:
    """The query: ``events_sql`` is the flat event relation's SELECT (its own parameters
    come first); then one parameter, the first ``event_date`` (YYYYMMDD) whose sessions
    are emitted (earlier days are read only to complete sessions crossing midnight)."""
    search_label = site_pattern(SEARCH_SITES).replace("'", "''")
    return f"""
WITH raw AS ({events_sql}),
e AS (
    SELECT user_pseudo_id, event_name, event_timestamp AS ts,
           coalesce(event_date, strftime(make_timestamp(event_timestamp), '%Y%m%d'))
               AS event_date,
           ga_session_id, session_number, session_engaged, engagement_msec, page_location,
           page_referrer, ignore_referrer, p_source, p_medium, p_campaign, p_gclid,
           CASE WHEN event_name = 'purchase'
                THEN coalesce(purchase_revenue, p_value) END AS revenue,
           CASE WHEN event_name = 'purchase'
                THEN coalesce(transaction_id, p_transaction_id) END AS transaction_id,
           cts_source, cts_medium, cts_campaign, cts_gclid,
           lc_source, lc_medium, lc_campaign, lc_channel, lcm_source, lcm_medium,
           lcm_campaign, first_source, first_medium, first_campaign, device_category, country
    FROM raw
    WHERE user_pseudo_id IS NOT NULL
),
s AS (
    SELECT user_pseudo_id, ga_session_id,
           min(ts) AS first_ts, max(ts) AS last_ts,
           count(*) FILTER (WHERE event_name = 'page_view') AS pageviews,
           coalesce(bool_or(session_engaged = '1'), false) AS engaged_flag,
           coalesce(sum(engagement_msec), 0) AS engagement_msec,
           min(session_number) AS session_number,
           bool_or(event_name = 'first_visit') AS first_visit,
           arg_min(page_location, ts) FILTER (WHERE event_name = 'page_view'
                                              AND page_location IS NOT NULL) AS landing_view,
           arg_min(page_location, ts) FILTER (WHERE page_location IS NOT NULL) AS landing_any,
           arg_min(struct_pack(ref := page_referrer, loc := page_location,
                               ign := ignore_referrer), ts) AS entrance,
           arg_min(struct_pack(source := p_source, medium := p_medium,
                               campaign := p_campaign, gclid := p_gclid), ts)
               FILTER (WHERE p_source IS NOT NULL OR p_medium IS NOT NULL
                       OR p_gclid IS NOT NULL) AS param_touch,
           arg_min(struct_pack(source := cts_source, medium := cts_medium,
                               campaign := cts_campaign, gclid := cts_gclid), ts)
               FILTER (WHERE cts_source IS NOT NULL OR cts_gclid IS NOT NULL)
               AS collected_touch,
           arg_max(CASE WHEN lc_source IS NOT NULL
                        THEN {_touch('lc_source', 'lc_medium', 'lc_campaign', 'lc_channel')}
                        ELSE {_touch('lcm_source', 'lcm_medium', 'lcm_campaign')} END, ts)
               FILTER (WHERE lc_source IS NOT NULL OR lcm_source IS NOT NULL) AS ga4_touch,
           arg_min({_touch('first_source', 'first_medium', 'first_campaign')}, ts)
               FILTER (WHERE first_source IS NOT NULL) AS first_touch,
           arg_min(device_category, ts) FILTER (WHERE device_category IS NOT NULL)
               AS device_category,
           arg_min(country, ts) FILTER (WHERE country IS NOT NULL) AS country,
           bool_or(event_name = 'add_to_cart') AS added_to_cart,
           bool_or(event_name = 'begin_checkout') AS began_checkout,
           bool_or(event_name = 'purchase') AS purchased,
           list(struct_pack(t := transaction_id, r := revenue))
               FILTER (WHERE event_name = 'purchase') AS purchases
    FROM e
    GROUP BY user_pseudo_id, ga_session_id
    -- Events without ga_session_id make no session. Dropped here, not by a WHERE: the
    -- optimizer would push that filter into the scan and pick the parameter out twice.
    HAVING count(ga_session_id) > 0 AND max(event_date) >= ?
),
r AS (
    SELECT *,
           coalesce(session_number = 1, false) OR coalesce(first_visit, false) AS is_new,
           ga4_host(entrance.ref) AS ref_host, ga4_host(entrance.loc) AS loc_host
    FROM s
),
t AS (
    SELECT *,
        CASE
            WHEN ga4_touch IS NOT NULL THEN ga4_touch
            WHEN param_touch.gclid IS NOT NULL
                THEN {_touch("'google'", "'cpc'", "param_touch.campaign")}
            WHEN param_touch IS NOT NULL
                THEN {_touch("coalesce(param_touch.source, '(not set)')",
                             "coalesce(param_touch.medium, '(not set)')",
                             "param_touch.campaign")}
            WHEN coalesce(ref_host, '') <> '' AND ref_host <> coalesce(loc_host, '')
                 AND coalesce(entrance.ign, '') <> 'true'
                THEN CASE WHEN regexp_full_match(ref_host, '{search_label}')
                          THEN {_touch(f"regexp_extract(ref_host, '{search_label}', 2)",
                                       "'organic'", "NULL")}
                          ELSE {_touch("ref_host", "'referral'", "NULL")} END
            WHEN collected_touch.gclid IS NOT NULL
                THEN {_touch("'google'", "'cpc'", "collected_touch.campaign")}
            WHEN collected_touch IS NOT NULL
                THEN {_touch("collected_touch.source",
                             "coalesce(collected_touch.medium, '(not set)')",
                             "collected_touch.campaign")}
            WHEN is_new AND first_touch IS NOT NULL
                THEN {_touch("first_touch.source", "coalesce(first_touch.medium, '(not set)')",
                             "first_touch.campaign")}
            ELSE {_touch("'(direct)'", "'(none)'", "NULL")}
        END AS touch
    FROM r
),
c AS (
    SELECT *, lower(touch.source) AS l_source, lower(touch.medium) AS l_medium,
           lower(coalesce(touch.campaign, '')) AS l_campaign
    FROM t
),
g AS (
    SELECT *, {source_category_sql('l_source')} AS source_category FROM c
)
SELECT
    user_pseudo_id || '-' || CAST(ga_session_id AS VARCHAR) AS session_id,
    user_pseudo_id AS user_id,
    make_timestamp(first_ts) AS started_at,
    (last_ts - first_ts) / 1000000.0 AS duration_seconds,
    pageviews,
    engaged_flag OR engagement_msec > 10000 OR pageviews >= 2 OR purchased AS engaged,
    is_new AS is_new_user,
    touch.source AS source,
    touch.medium AS medium,
    coalesce(touch.channel,
             {channel_group_sql('l_source', 'l_medium', 'l_campaign', 'source_category')})
        AS channel_group,
    -- GA4's stand-ins for "no campaign" ((direct), (organic), (referral), (not set)).
    CASE WHEN touch.campaign = '' OR regexp_full_match(touch.campaign, '\\(.*\\)')
         THEN NULL ELSE touch.campaign END AS campaign,
    lower(g.device_category) AS device_category,
    countries.code AS country,
    ga4_path(coalesce(landing_view, landing_any)) AS landing_page,
    added_to_cart, began_checkout, purchased,
    CAST(round(coalesce(list_sum([x.r FOR x IN list_distinct(purchases)]), 0), 4)
         AS DECIMAL(18, 4))
        AS revenue
FROM g LEFT JOIN ga4_countries AS countries ON countries.name = g.country
ORDER BY first_ts, session_id
"""
