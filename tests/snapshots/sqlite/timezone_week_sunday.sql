-- case: timezone_week_sunday
-- dialect: sqlite
-- request: metrics=('orders',), grain=week, week_start=sunday, timezone=Asia/Ho_Chi_Minh, since=2024-01-01, until=2024-04-01
WITH scan_orders AS (
  SELECT
    STRFTIME(
      '%Y-%m-%d %H:%M:%S',
      STRFTIME(
        '%Y-%m-%d 00:00:00',
        STRFTIME(
          '%Y-%m-%d %H:%M:%S',
          STRFTIME('%Y-%m-%d %H:%M:%S', t.created_at, '+420 minutes'),
          '+1 days'
        ),
        'weekday 0',
        '-6 days'
      ),
      '-1 days'
    ) AS period,
    COUNT(*) AS orders
  FROM orders AS t
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
    AND t.created_at >= '2023-12-31 17:00:00'
    AND t.created_at < '2024-03-31 17:00:00'
  GROUP BY
    STRFTIME(
      '%Y-%m-%d %H:%M:%S',
      STRFTIME(
        '%Y-%m-%d 00:00:00',
        STRFTIME(
          '%Y-%m-%d %H:%M:%S',
          STRFTIME('%Y-%m-%d %H:%M:%S', t.created_at, '+420 minutes'),
          '+1 days'
        ),
        'weekday 0',
        '-6 days'
      ),
      '-1 days'
    )
), output_keys AS (
  SELECT
    period
  FROM scan_orders
  UNION
  SELECT
    column1 AS period
  FROM (
    SELECT
      *
    FROM (VALUES
      ('2023-12-31 00:00:00'),
      ('2024-01-07 00:00:00'),
      ('2024-01-14 00:00:00'),
      ('2024-01-21 00:00:00'),
      ('2024-01-28 00:00:00'),
      ('2024-02-04 00:00:00'),
      ('2024-02-11 00:00:00'),
      ('2024-02-18 00:00:00'),
      ('2024-02-25 00:00:00'),
      ('2024-03-03 00:00:00'),
      ('2024-03-10 00:00:00'),
      ('2024-03-17 00:00:00'),
      ('2024-03-24 00:00:00'),
      ('2024-03-31 00:00:00')) AS spine
  ) AS spine
)
SELECT
  output_keys.period,
  COALESCE(scan_orders.orders, 0) AS orders
FROM output_keys
LEFT JOIN scan_orders
  ON output_keys.period = scan_orders.period
ORDER BY
  output_keys.period NULLS LAST
