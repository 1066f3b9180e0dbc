-- case: date_source_sql_source
-- dialect: mysql
-- request: metrics=('cac', 'roas'), grain=year
WITH scan_ad_spend AS (
  SELECT
    CAST(DATE_FORMAT(CAST(t.date AS DATETIME), '%Y-01-01 00:00:00') AS DATETIME) AS period,
    SUM(t.spend) AS ad_spend,
    SUM(t.conversion_value) AS ad_revenue
  FROM ad_spend AS t
  GROUP BY
    CAST(DATE_FORMAT(CAST(t.date AS DATETIME), '%Y-01-01 00:00:00') AS DATETIME)
), scan_first_orders AS (
  SELECT
    CAST(DATE_FORMAT(t.first_order_at, '%Y-01-01 00:00:00') AS DATETIME) AS period,
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
    CAST(DATE_FORMAT(t.first_order_at, '%Y-01-01 00:00:00') AS DATETIME)
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
  CASE WHEN output_keys.period IS NULL THEN 1 ELSE 0 END, output_keys.period
