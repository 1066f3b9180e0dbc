-- case: snapshot_and_median
-- dialect: mysql
-- request: metrics=('inventory_on_hand', 'median_session_duration'), grain=day, since=2024-01-01, until=2024-01-08
WITH scan_inventory_snapshot_readings AS (
  SELECT
    s.period,
    s.snapshot_key_0,
    s.snapshot_key_1,
    s.snapshot_key_2,
    s.value_inventory_on_hand,
    LEAD(s.period) OVER (
      PARTITION BY s.snapshot_key_0, s.snapshot_key_1, s.snapshot_key_2
      ORDER BY CASE WHEN s.period IS NULL THEN 1 ELSE 0 END, s.period
    ) AS next_period
  FROM (
    SELECT
      *,
      ROW_NUMBER() OVER (
        PARTITION BY period, snapshot_key_0, snapshot_key_1, snapshot_key_2
        ORDER BY snapshot_time DESC
      ) AS snapshot_rank
    FROM (
      SELECT
        CAST(DATE_FORMAT(t.snapshot_at, '%Y-%m-%d 00:00:00') AS DATETIME) AS period,
        t.snapshot_at AS snapshot_time,
        t.product_id AS snapshot_key_0,
        t.location_id AS snapshot_key_1,
        t.source AS snapshot_key_2,
        t.on_hand AS value_inventory_on_hand
      FROM inventory_snapshots AS t
      WHERE
        t.snapshot_at < CAST('2024-01-08 00:00:00' AS DATETIME)
    ) AS r
  ) AS s
  WHERE
    s.snapshot_rank = 1
), scan_sessions AS (
  SELECT
    w.period,
    SUM(
      CASE
        WHEN NOT w.agg_value_0 IS NULL
        AND ABS(w.agg_rank_0 - (
          1 + 0.5 * (
            w.agg_count_0 - 1
          )
        )) < 1
        THEN CAST(w.agg_value_0 AS DOUBLE) * (
          1 - ABS(w.agg_rank_0 - (
            1 + 0.5 * (
              w.agg_count_0 - 1
            )
          ))
        )
      END
    ) AS median_session_duration
  FROM (
    SELECT
      *,
      ROW_NUMBER() OVER (
        PARTITION BY period, CASE WHEN agg_value_0 IS NULL THEN 1 ELSE 0 END
        ORDER BY CASE WHEN agg_value_0 IS NULL THEN 1 ELSE 0 END, agg_value_0
      ) AS agg_rank_0,
      COUNT(agg_value_0) OVER (PARTITION BY period) AS agg_count_0
    FROM (
      SELECT
        CAST(DATE_FORMAT(t.started_at, '%Y-%m-%d 00:00:00') AS DATETIME) AS period,
        t.duration_seconds AS agg_value_0
      FROM sessions AS t
      WHERE
        t.started_at >= CAST('2024-01-01 00:00:00' AS DATETIME)
        AND t.started_at < CAST('2024-01-08 00:00:00' AS DATETIME)
    ) AS r
  ) AS w
  GROUP BY
    w.period
), output_keys AS (
  SELECT
    period
  FROM scan_inventory_snapshot_readings
  WHERE
    period >= CAST('2024-01-01 00:00:00' AS DATETIME)
  UNION
  SELECT
    period
  FROM scan_sessions
  UNION
  SELECT
    period
  FROM (
    SELECT
      CAST('2024-01-01 00:00:00' AS DATETIME) AS period
    UNION ALL
    SELECT
      CAST('2024-01-02 00:00:00' AS DATETIME)
    UNION ALL
    SELECT
      CAST('2024-01-03 00:00:00' AS DATETIME)
    UNION ALL
    SELECT
      CAST('2024-01-04 00:00:00' AS DATETIME)
    UNION ALL
    SELECT
      CAST('2024-01-05 00:00:00' AS DATETIME)
    UNION ALL
    SELECT
      CAST('2024-01-06 00:00:00' AS DATETIME)
    UNION ALL
    SELECT
      CAST('2024-01-07 00:00:00' AS DATETIME)
  ) AS spine
), scan_inventory_snapshot AS (
  SELECT
    k.period,
    SUM(s.value_inventory_on_hand) AS inventory_on_hand
  FROM output_keys AS k
  JOIN scan_inventory_snapshot_readings AS s
    ON s.period <= k.period AND (
      s.next_period IS NULL OR s.next_period > k.period
    )
  GROUP BY
    k.period
)
SELECT
  output_keys.period,
  scan_inventory_snapshot.inventory_on_hand AS inventory_on_hand,
  scan_sessions.median_session_duration AS median_session_duration
FROM output_keys
LEFT JOIN scan_inventory_snapshot
  ON output_keys.period = scan_inventory_snapshot.period
LEFT JOIN scan_sessions
  ON output_keys.period = scan_sessions.period
ORDER BY
  CASE WHEN output_keys.period IS NULL THEN 1 ELSE 0 END, output_keys.period
