-- case: offsets
-- dialect: duckdb
-- request: metrics=('net_sales_growth', 'net_sales_last_year'), grain=month, since=2024-01-01, until=2024-04-01
WITH scan_orders AS (
  SELECT
    DATE_TRUNC('MONTH', t.created_at) AS period,
    SUM(t.subtotal) AS gross_sales,
    SUM(t.discounts) AS discounts,
    MIN(t.currency) AS check__currency_min,
    MAX(t.currency) AS check__currency_max
  FROM orders AS t
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
    AND t.created_at >= CAST('2023-01-01 00:00:00' AS TIMESTAMP)
    AND t.created_at < CAST('2024-04-01 00:00:00' AS TIMESTAMP)
  GROUP BY
    DATE_TRUNC('MONTH', t.created_at)
), scan_refunds AS (
  SELECT
    DATE_TRUNC('MONTH', t.created_at) AS period,
    SUM(t.amount) AS refunds
  FROM refunds AS t
  WHERE
    t.created_at >= CAST('2023-01-01 00:00:00' AS TIMESTAMP)
    AND t.created_at < CAST('2024-04-01 00:00:00' AS TIMESTAMP)
  GROUP BY
    DATE_TRUNC('MONTH', t.created_at)
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
    period
  FROM (VALUES
    (CAST('2023-01-01 00:00:00' AS TIMESTAMP)),
    (CAST('2023-02-01 00:00:00' AS TIMESTAMP)),
    (CAST('2023-03-01 00:00:00' AS TIMESTAMP)),
    (CAST('2023-04-01 00:00:00' AS TIMESTAMP)),
    (CAST('2023-05-01 00:00:00' AS TIMESTAMP)),
    (CAST('2023-06-01 00:00:00' AS TIMESTAMP)),
    (CAST('2023-07-01 00:00:00' AS TIMESTAMP)),
    (CAST('2023-08-01 00:00:00' AS TIMESTAMP)),
    (CAST('2023-09-01 00:00:00' AS TIMESTAMP)),
    (CAST('2023-10-01 00:00:00' AS TIMESTAMP)),
    (CAST('2023-11-01 00:00:00' AS TIMESTAMP)),
    (CAST('2023-12-01 00:00:00' AS TIMESTAMP)),
    (CAST('2024-01-01 00:00:00' AS TIMESTAMP)),
    (CAST('2024-02-01 00:00:00' AS TIMESTAMP)),
    (CAST('2024-03-01 00:00:00' AS TIMESTAMP))) AS spine(period)
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
  ) AS DOUBLE) / NULLIF((
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
  ON offset_1.period = (
    cur.period + INTERVAL (-1) MONTH
  )
LEFT JOIN metric_values AS offset_2
  ON offset_2.period = (
    cur.period + INTERVAL (-1) YEAR
  )
WHERE
  cur.period >= CAST('2024-01-01 00:00:00' AS TIMESTAMP)
ORDER BY
  cur.period
