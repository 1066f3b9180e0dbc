-- case: snapshot_and_median
-- dialect: trino
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
      ORDER BY s.period
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
        DATE_TRUNC('DAY', t.snapshot_at) AS period,
        t.snapshot_at AS snapshot_time,
        t.product_id AS snapshot_key_0,
        t.location_id AS snapshot_key_1,
        t.source AS snapshot_key_2,
        t.on_hand AS value_inventory_on_hand
      FROM inventory_snapshots AS t
      WHERE
        t.snapshot_at < CAST('2024-01-08 00:00:00' AS TIMESTAMP)
    ) AS r
  ) AS s
  WHERE
    s.snapshot_rank = 1
), scan_sessions AS (
  SELECT
    DATE_TRUNC('DAY', t.started_at) AS period,
    PERCENTILE_CONT(t.duration_seconds, 0.5) AS median_session_duration
  FROM sessions AS t
  WHERE
    t.started_at >= CAST('2024-01-01 00:00:00' AS TIMESTAMP)
    AND t.started_at < CAST('2024-01-08 00:00:00' AS TIMESTAMP)
  GROUP BY
    DATE_TRUNC('DAY', t.started_at)
), output_keys AS (
  SELECT
    period
  FROM scan_inventory_snapshot_readings
  WHERE
    period >= CAST('2024-01-01 00:00:00' AS TIMESTAMP)
  UNION
  SELECT
    period
  FROM scan_sessions
  UNION
  SELECT
    period
  FROM (VALUES
    (CAST('2024-01-01 00:00:00' AS TIMESTAMP)),
    (CAST('2024-01-02 00:00:00' AS TIMESTAMP)),
    (CAST('2024-01-03 00:00:00' AS TIMESTAMP)),
    (CAST('2024-01-04 00:00:00' AS TIMESTAMP)),
    (CAST('2024-01-05 00:00:00' AS TIMESTAMP)),
    (CAST('2024-01-06 00:00:00' AS TIMESTAMP)),
    (CAST('2024-01-07 00:00:00' AS TIMESTAMP))) AS spine(period)
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
  output_keys.period
