-- case: offsets
-- dialect: bigquery
-- request: metrics=('net_sales_growth', 'net_sales_last_year'), grain=month, since=2024-01-01, until=2024-04-01
WITH scan_orders AS (
  SELECT
    TIMESTAMP_TRUNC(t.created_at, MONTH) AS period,
    SUM(t.subtotal) AS gross_sales,
    SUM(t.discounts) AS discounts,
    MIN(t.currency) AS check__currency_min,
    MAX(t.currency) AS check__currency_max
  FROM orders AS t
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
    AND t.created_at >= CAST('2023-01-01 00:00:00' AS DATETIME)
    AND t.created_at < CAST('2024-04-01 00:00:00' AS DATETIME)
  GROUP BY
    TIMESTAMP_TRUNC(t.created_at, MONTH)
), scan_refunds AS (
  SELECT
    TIMESTAMP_TRUNC(t.created_at, MONTH) AS period,
    SUM(t.amount) AS refunds
  FROM refunds AS t
  WHERE
    t.created_at >= CAST('2023-01-01 00:00:00' AS DATETIME)
    AND t.created_at < CAST('2024-04-01 00:00:00' AS DATETIME)
  GROUP BY
    TIMESTAMP_TRUNC(t.created_at, MONTH)
), output_keys AS (
  SELECT
    period
  FROM scan_orders
  UNION DISTINCT
  SELECT
    period
  FROM scan_refunds
  UNION DISTINCT
  SELECT
    period
  FROM UNNEST([
    STRUCT(CAST('2023-01-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2023-02-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2023-03-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2023-04-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2023-05-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2023-06-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2023-07-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2023-08-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2023-09-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2023-10-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2023-11-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2023-12-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-01-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-02-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-03-01 00:00:00' AS DATETIME) AS period)
  ]) AS spine
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
  ) AS FLOAT64) / NULLIF((
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
  ON offset_1.period = TIMESTAMP_ADD(cur.period, INTERVAL -1 MONTH)
LEFT JOIN metric_values AS offset_2
  ON offset_2.period = TIMESTAMP_ADD(cur.period, INTERVAL -1 YEAR)
WHERE
  cur.period >= CAST('2024-01-01 00:00:00' AS DATETIME)
ORDER BY
  cur.period NULLS LAST
