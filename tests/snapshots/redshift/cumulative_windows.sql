-- case: cumulative_windows
-- dialect: redshift
-- request: metrics=('gross_sales_to_date', 'gross_sales_2m', 'gross_sales_ytd'), grain=month, since=2024-01-01, until=2024-04-01
WITH history_orders AS (
  SELECT
    DATE_TRUNC('MONTH', t.created_at) AS period,
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
    DATE_TRUNC('MONTH', t.created_at)
), output_keys AS (
  SELECT
    period
  FROM history_orders
  WHERE
    period >= CAST('2024-01-01 00:00:00' AS TIMESTAMP)
  UNION
  SELECT
    period
  FROM (
    SELECT
      CAST('2024-01-01 00:00:00' AS TIMESTAMP) AS period
    UNION ALL
    SELECT
      CAST('2024-02-01 00:00:00' AS TIMESTAMP)
    UNION ALL
    SELECT
      CAST('2024-03-01 00:00:00' AS TIMESTAMP)
  ) AS spine
), cumulative_gross_sales_to_date AS (
  SELECT
    output_keys.period,
    SUM(h.gross_sales) AS value,
    MIN(h.check__currency_min) AS check__currency_min,
    MAX(h.check__currency_max) AS check__currency_max
  FROM output_keys
  JOIN history_orders AS h
    ON h.period <= output_keys.period
  GROUP BY
    output_keys.period
), cumulative_gross_sales_2m AS (
  SELECT
    output_keys.period,
    SUM(h.gross_sales) AS value,
    MIN(h.check__currency_min) AS check__currency_min,
    MAX(h.check__currency_max) AS check__currency_max
  FROM output_keys
  JOIN history_orders AS h
    ON h.period <= output_keys.period
    AND h.period > (
      output_keys.period + INTERVAL '-2 MONTH'
    )
  GROUP BY
    output_keys.period
), cumulative_gross_sales_ytd AS (
  SELECT
    output_keys.period,
    SUM(h.gross_sales) AS value,
    MIN(h.check__currency_min) AS check__currency_min,
    MAX(h.check__currency_max) AS check__currency_max
  FROM output_keys
  JOIN history_orders AS h
    ON h.period <= output_keys.period
    AND h.period >= DATE_TRUNC('YEAR', output_keys.period)
  GROUP BY
    output_keys.period
)
SELECT
  output_keys.period,
  COALESCE(cumulative_gross_sales_to_date.value, 0) AS gross_sales_to_date,
  COALESCE(cumulative_gross_sales_2m.value, 0) AS gross_sales_2m,
  COALESCE(cumulative_gross_sales_ytd.value, 0) AS gross_sales_ytd,
  cumulative_gross_sales_to_date.check__currency_min AS check__currency_min_0,
  cumulative_gross_sales_to_date.check__currency_max AS check__currency_max_0,
  cumulative_gross_sales_2m.check__currency_min AS check__currency_min_1,
  cumulative_gross_sales_2m.check__currency_max AS check__currency_max_1,
  cumulative_gross_sales_ytd.check__currency_min AS check__currency_min_2,
  cumulative_gross_sales_ytd.check__currency_max AS check__currency_max_2
FROM output_keys
LEFT JOIN cumulative_gross_sales_to_date
  ON output_keys.period = cumulative_gross_sales_to_date.period
LEFT JOIN cumulative_gross_sales_2m
  ON output_keys.period = cumulative_gross_sales_2m.period
LEFT JOIN cumulative_gross_sales_ytd
  ON output_keys.period = cumulative_gross_sales_ytd.period
ORDER BY
  output_keys.period
