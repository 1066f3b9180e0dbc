-- case: date_source_sql_source
-- dialect: databricks
-- request: metrics=('cac', 'roas'), grain=year
WITH scan_ad_spend AS (
  SELECT
    DATE_TRUNC('YEAR', CAST(t.date AS TIMESTAMP)) AS period,
    SUM(t.spend) AS ad_spend,
    SUM(t.conversion_value) AS ad_revenue
  FROM ad_spend AS t
  GROUP BY
    DATE_TRUNC('YEAR', CAST(t.date AS TIMESTAMP))
), scan_first_orders AS (
  SELECT
    DATE_TRUNC('YEAR', t.first_order_at) AS period,
    COUNT(*) AS new_customers
  FROM (
    SELECT
      customer_id,
      MIN(created_at) AS first_order_at
    FROM orders
    WHERE
      status <> 'cancelled' AND NOT is_test AND NOT customer_id IS NULL
    GROUP BY
      customer_id
  ) AS t
  GROUP BY
    DATE_TRUNC('YEAR', t.first_order_at)
), output_keys AS (
  SELECT
    period
  FROM scan_ad_spend
  UNION
  SELECT
    period
  FROM scan_first_orders
)
SELECT
  output_keys.period,
  CAST((
    COALESCE(scan_ad_spend.ad_spend, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(scan_first_orders.new_customers, 0)
  ), 0) AS cac,
  CAST((
    COALESCE(scan_ad_spend.ad_revenue, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(scan_ad_spend.ad_spend, 0)
  ), 0) AS roas
FROM output_keys
LEFT JOIN scan_ad_spend
  ON output_keys.period = scan_ad_spend.period
LEFT JOIN scan_first_orders
  ON output_keys.period = scan_first_orders.period
ORDER BY
  output_keys.period NULLS LAST
