-- case: breakdown_all_grain
-- dialect: spark
-- request: metrics=('gross_sales', 'aov'), grain=all, dimensions=('channel',)
WITH scan_orders AS (
  SELECT
    t.channel AS channel,
    SUM(t.subtotal) AS gross_sales,
    SUM(t.discounts) AS discounts,
    COUNT(*) AS orders,
    MIN(t.currency) AS check__currency_min,
    MAX(t.currency) AS check__currency_max
  FROM orders AS t
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
  GROUP BY
    t.channel
), scan_refunds AS (
  SELECT
    j_orders.channel AS channel,
    SUM(t.amount) AS refunds
  FROM refunds AS t
  LEFT JOIN orders AS j_orders
    ON t.order_id = j_orders.order_id
  GROUP BY
    j_orders.channel
), output_keys AS (
  SELECT
    channel
  FROM scan_orders
  UNION
  SELECT
    channel
  FROM scan_refunds
)
SELECT
  output_keys.channel,
  COALESCE(scan_orders.gross_sales, 0) AS gross_sales,
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
  ON output_keys.channel IS NOT DISTINCT FROM scan_orders.channel
LEFT JOIN scan_refunds
  ON output_keys.channel IS NOT DISTINCT FROM scan_refunds.channel
ORDER BY
  output_keys.channel NULLS LAST
