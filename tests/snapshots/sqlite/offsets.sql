-- case: offsets
-- dialect: sqlite
-- request: metrics=('net_sales_growth', 'net_sales_last_year'), grain=month, since=2024-01-01, until=2024-04-01
WITH scan_orders AS (
  SELECT
    STRFTIME('%Y-%m-01 00:00:00', t.created_at) AS period,
    SUM(t.subtotal) AS gross_sales,
    SUM(t.discounts) AS discounts,
    MIN(t.currency) AS check__currency_min,
    MAX(t.currency) AS check__currency_max
  FROM orders AS t
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
    AND t.created_at >= '2023-01-01 00:00:00'
    AND t.created_at < '2024-04-01 00:00:00'
  GROUP BY
    STRFTIME('%Y-%m-01 00:00:00', t.created_at)
), scan_refunds AS (
  SELECT
    STRFTIME('%Y-%m-01 00:00:00', t.created_at) AS period,
    SUM(t.amount) AS refunds
  FROM refunds AS t
  WHERE
    t.created_at >= '2023-01-01 00:00:00' AND t.created_at < '2024-04-01 00:00:00'
  GROUP BY
    STRFTIME('%Y-%m-01 00:00:00', t.created_at)
), output_keys AS (
  SELECT
    period
  FROM scan_orders
  UNION
  SELECT
    period
  FROM scan_refunds
  UNION
  SELECT
    column1 AS period
  FROM (
    SELECT
      *
    FROM (VALUES
      ('2023-01-01 00:00:00'),
      ('2023-02-01 00:00:00'),
      ('2023-03-01 00:00:00'),
      ('2023-04-01 00:00:00'),
      ('2023-05-01 00:00:00'),
      ('2023-06-01 00:00:00'),
      ('2023-07-01 00:00:00'),
      ('2023-08-01 00:00:00'),
      ('2023-09-01 00:00:00'),
      ('2023-10-01 00:00:00'),
      ('2023-11-01 00:00:00'),
      ('2023-12-01 00:00:00'),
      ('2024-01-01 00:00:00'),
      ('2024-02-01 00:00:00'),
      ('2024-03-01 00:00:00')) AS spine
  ) AS spine
), metric_values AS (
  SELECT
    output_keys.period,
    COALESCE(scan_orders.gross_sales, 0) AS gross_sales,
    COALESCE(scan_orders.discounts, 0) AS discounts,
    COALESCE(scan_refunds.refunds, 0) AS refunds,
    (
      COALESCE(scan_orders.gross_sales, 0)
    ) - (
      COALESCE(scan_orders.discounts, 0)
    ) - (
      COALESCE(scan_refunds.refunds, 0)
    ) AS net_sales,
    scan_orders.check__currency_min AS check__currency_min_0,
    scan_orders.check__currency_max AS check__currency_max_0
  FROM output_keys
  LEFT JOIN scan_orders
    ON output_keys.period = scan_orders.period
  LEFT JOIN scan_refunds
    ON output_keys.period = scan_refunds.period
)
SELECT
  cur.period,
  CAST((
    (
      cur.net_sales
    ) - (
      offset_1.net_sales
    )
  ) AS REAL) / NULLIF((
    offset_1.net_sales
  ), 0) AS net_sales_growth,
  offset_2.net_sales AS net_sales_last_year,
  cur.check__currency_min_0,
  offset_1.check__currency_min_0 AS check__currency_min_0_offset_1,
  offset_2.check__currency_min_0 AS check__currency_min_0_offset_2,
  cur.check__currency_max_0,
  offset_1.check__currency_max_0 AS check__currency_max_0_offset_1,
  offset_2.check__currency_max_0 AS check__currency_max_0_offset_2
FROM metric_values AS cur
LEFT JOIN metric_values AS offset_1
  ON offset_1.period = STRFTIME('%Y-%m-%d %H:%M:%S', cur.period, '-1 months')
LEFT JOIN metric_values AS offset_2
  ON offset_2.period = STRFTIME('%Y-%m-%d %H:%M:%S', cur.period, '-1 years')
WHERE
  cur.period >= '2024-01-01 00:00:00'
ORDER BY
  cur.period NULLS LAST
