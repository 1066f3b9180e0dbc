-- case: timezone_week_sunday
-- dialect: bigquery
-- request: metrics=('orders',), grain=week, week_start=sunday, timezone=Asia/Ho_Chi_Minh, since=2024-01-01, until=2024-04-01
WITH scan_orders AS (
  SELECT
    TIMESTAMP_ADD(TIMESTAMP_TRUNC(
      TIMESTAMP_ADD(TIMESTAMP(
        DATETIME(TIMESTAMP(DATETIME(CAST(t.created_at AS DATETIME), 'UTC')), 'Asia/Ho_Chi_Minh')
      ), INTERVAL 1 DAY),
      WEEK(MONDAY)
    ), INTERVAL -1 DAY) AS period,
    COUNT(*) AS orders
  FROM orders AS t
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
    AND t.created_at >= CAST('2023-12-31 17:00:00' AS DATETIME)
    AND t.created_at < CAST('2024-03-31 17:00:00' AS DATETIME)
  GROUP BY
    TIMESTAMP_ADD(TIMESTAMP_TRUNC(
      TIMESTAMP_ADD(TIMESTAMP(
        DATETIME(TIMESTAMP(DATETIME(CAST(t.created_at AS DATETIME), 'UTC')), 'Asia/Ho_Chi_Minh')
      ), INTERVAL 1 DAY),
      WEEK(MONDAY)
    ), INTERVAL -1 DAY)
), output_keys AS (
  SELECT
    period
  FROM scan_orders
  UNION DISTINCT
  SELECT
    period
  FROM UNNEST([
    STRUCT(CAST('2023-12-31 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-01-07 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-01-14 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-01-21 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-01-28 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-02-04 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-02-11 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-02-18 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-02-25 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-03-03 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-03-10 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-03-17 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-03-24 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-03-31 00:00:00' AS DATETIME) AS period)
  ]) AS spine
)
SELECT
  output_keys.period,
  COALESCE(scan_orders.orders, 0) AS orders
FROM output_keys
LEFT JOIN scan_orders
  ON output_keys.period = scan_orders.period
ORDER BY
  output_keys.period NULLS LAST
