-- case: sum_count_ratio_by_month
-- dialect: spark
-- request: metrics=('gross_sales', 'orders', 'aov'), grain=month, since=2024-01-01, until=2024-04-01
WITH scan_orders AS (
  SELECT
    DATE_TRUNC('MONTH', t.created_at) AS period,
    SUM(t.subtotal) AS gross_sales,
    COUNT(*) AS orders,
    SUM(t.discounts) AS discounts,
    MIN(t.currency) AS check__currency_min,
    MAX(t.currency) AS check__currency_max
  FROM orders AS t
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
    AND t.created_at >= CAST('2024-01-01 00:00:00' AS TIMESTAMP)
    AND t.created_at < CAST('2024-04-01 00:00:00' AS TIMESTAMP)
  GROUP BY
    DATE_TRUNC('MONTH', t.created_at)
), scan_refunds AS (
  SELECT
    DATE_TRUNC('MONTH', t.created_at) AS period,
    SUM(t.amount) AS refunds
  FROM refunds AS t
  WHERE
    t.created_at >= CAST('2024-01-01 00:00:00' AS TIMESTAMP)
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
  FROM VALUES
    (CAST('2024-01-01 00:00:00' AS TIMESTAMP)),
    (CAST('2024-02-01 00:00:00' AS TIMESTAMP)),
    (CAST('2024-03-01 00:00:00' AS TIMESTAMP)) AS spine(period)
)
SELECT
  output_keys.period,
  COALESCE(scan_orders.gross_sales, 0) AS gross_sales,
  COALESCE(scan_orders.orders, 0) AS orders,
  CAST((
    (
      COALESCE(scan_orders.gross_sales, 0)
    ) - (
      COALESCE(scan_orders.discounts, 0)
    ) - (
      COALESCE(scan_refunds.refunds, 0)
    )
  ) AS DOUBLE) / NULLIF((
    COALESCE(scan_orders.orders, 0)
  ), 0) AS aov,
  scan_orders.check__currency_min AS check__currency_min_0,
  scan_orders.check__currency_max AS check__currency_max_0
FROM output_keys
LEFT JOIN scan_orders
  ON output_keys.period = scan_orders.period
LEFT JOIN scan_refunds
  ON output_keys.period = scan_refunds.period
ORDER BY
  output_keys.period NULLS LAST
