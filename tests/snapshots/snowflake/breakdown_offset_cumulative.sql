-- case: breakdown_offset_cumulative
-- dialect: snowflake
-- request: metrics=('gross_sales_ytd', 'net_sales_prev'), grain=month, dimensions=('channel',), since=2024-01-01, until=2024-04-01
WITH history_orders AS (
  SELECT
    DATE_TRUNC('MONTH', t.created_at) AS period,
    t.channel AS channel,
    SUM(t.subtotal) AS gross_sales,
    MIN(t.currency) AS check__currency_min,
    MAX(t.currency) AS check__currency_max
  FROM orders AS t
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
    AND t.created_at < CAST('2024-04-01 00:00:00' AS TIMESTAMP)
  GROUP BY
    DATE_TRUNC('MONTH', t.created_at),
    t.channel
), scan_orders AS (
  SELECT
    DATE_TRUNC('MONTH', t.created_at) AS period,
    t.channel AS channel,
    SUM(t.subtotal) AS gross_sales,
    SUM(t.discounts) AS discounts,
    MIN(t.currency) AS check__currency_min,
    MAX(t.currency) AS check__currency_max
  FROM orders AS t
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
    AND t.created_at >= CAST('2023-12-01 00:00:00' AS TIMESTAMP)
    AND t.created_at < CAST('2024-04-01 00:00:00' AS TIMESTAMP)
  GROUP BY
    DATE_TRUNC('MONTH', t.created_at),
    t.channel
), scan_refunds AS (
  SELECT
    DATE_TRUNC('MONTH', t.created_at) AS period,
    j_orders.channel AS channel,
    SUM(t.amount) AS refunds
  FROM refunds AS t
  LEFT JOIN orders AS j_orders
    ON t.order_id = j_orders.order_id
  WHERE
    t.created_at >= CAST('2023-12-01 00:00:00' AS TIMESTAMP)
    AND t.created_at < CAST('2024-04-01 00:00:00' AS TIMESTAMP)
  GROUP BY
    DATE_TRUNC('MONTH', t.created_at),
    j_orders.channel
), scan_keys AS (
  SELECT
    period,
    channel
  FROM history_orders
  WHERE
    period >= CAST('2023-12-01 00:00:00' AS TIMESTAMP)
  UNION
  SELECT
    period,
    channel
  FROM scan_orders
  UNION
  SELECT
    period,
    channel
  FROM scan_refunds
), key_periods AS (
  SELECT
    period
  FROM (VALUES
    (CAST('2023-12-01 00:00:00' AS TIMESTAMP)),
    (CAST('2024-01-01 00:00:00' AS TIMESTAMP)),
    (CAST('2024-02-01 00:00:00' AS TIMESTAMP)),
    (CAST('2024-03-01 00:00:00' AS TIMESTAMP))) AS spine(period)
), window_keys AS (
  SELECT
    period,
    channel
  FROM scan_keys
  UNION
  SELECT
    p.period,
    h.channel
  FROM key_periods AS p
  JOIN history_orders AS h
    ON h.period <= p.period AND h.period >= DATE_TRUNC('YEAR', p.period)
), output_keys AS (
  SELECT
    period,
    channel
  FROM window_keys
  UNION
  SELECT
    p.period,
    k.channel
  FROM key_periods AS p
  JOIN window_keys AS k
    ON k.period = TIMESTAMPADD(MONTH, -1, p.period)
), cumulative_gross_sales_ytd AS (
  SELECT
    output_keys.period,
    output_keys.channel,
    SUM(h.gross_sales) AS value,
    MIN(h.check__currency_min) AS check__currency_min,
    MAX(h.check__currency_max) AS check__currency_max
  FROM output_keys
  JOIN history_orders AS h
    ON h.period <= output_keys.period
    AND h.period >= DATE_TRUNC('YEAR', output_keys.period)
    AND h.channel IS NOT DISTINCT FROM output_keys.channel
  GROUP BY
    output_keys.period,
    output_keys.channel
), metric_values AS (
  SELECT
    output_keys.period,
    output_keys.channel,
    COALESCE(cumulative_gross_sales_ytd.value, 0) AS gross_sales_ytd,
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
    scan_orders.check__currency_max AS check__currency_max_0,
    cumulative_gross_sales_ytd.check__currency_min AS check__currency_min_2,
    cumulative_gross_sales_ytd.check__currency_max AS check__currency_max_2
  FROM output_keys
  LEFT JOIN scan_orders
    ON output_keys.period = scan_orders.period
    AND output_keys.channel IS NOT DISTINCT FROM scan_orders.channel
  LEFT JOIN scan_refunds
    ON output_keys.period = scan_refunds.period
    AND output_keys.channel IS NOT DISTINCT FROM scan_refunds.channel
  LEFT JOIN cumulative_gross_sales_ytd
    ON output_keys.period = cumulative_gross_sales_ytd.period
    AND output_keys.channel IS NOT DISTINCT FROM cumulative_gross_sales_ytd.channel
)
SELECT
  cur.period,
  cur.channel,
  cur.gross_sales_ytd AS gross_sales_ytd,
  offset_1.net_sales AS net_sales_prev,
  cur.check__currency_min_0,
  offset_1.check__currency_min_0 AS check__currency_min_0_offset_1,
  cur.check__currency_max_0,
  offset_1.check__currency_max_0 AS check__currency_max_0_offset_1,
  cur.check__currency_min_2,
  offset_1.check__currency_min_2 AS check__currency_min_2_offset_1,
  cur.check__currency_max_2,
  offset_1.check__currency_max_2 AS check__currency_max_2_offset_1
FROM metric_values AS cur
LEFT JOIN metric_values AS offset_1
  ON offset_1.period = TIMESTAMPADD(MONTH, -1, cur.period)
  AND offset_1.channel IS NOT DISTINCT FROM cur.channel
WHERE
  cur.period >= CAST('2024-01-01 00:00:00' AS TIMESTAMP)
ORDER BY
  cur.period,
  cur.channel
