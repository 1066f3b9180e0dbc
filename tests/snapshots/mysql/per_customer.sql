-- case: per_customer
-- dialect: mysql
-- request: metrics=('repeat_purchase_rate',), grain=quarter
WITH scan_orders_per_customer_id AS (
  SELECT
    e.period,
    COUNT(CASE WHEN e.n_orders >= 2 THEN 1 END) AS repeat_customers
  FROM (
    SELECT
      DATE_SUB(
        CAST(DATE_FORMAT(t.created_at, '%Y-%m-01 00:00:00') AS DATETIME),
        INTERVAL ((
          MONTH(t.created_at) - 1
        ) % 3) MONTH
      ) AS period,
      t.customer_id AS entity_key,
      COUNT(*) AS n_orders
    FROM orders AS t
    WHERE
      (
        t.status <> 'cancelled' AND NOT t.is_test
      )
    GROUP BY
      DATE_SUB(
        CAST(DATE_FORMAT(t.created_at, '%Y-%m-01 00:00:00') AS DATETIME),
        INTERVAL ((
          MONTH(t.created_at) - 1
        ) % 3) MONTH
      ),
      t.customer_id
  ) AS e
  GROUP BY
    e.period
), scan_orders AS (
  SELECT
    DATE_SUB(
      CAST(DATE_FORMAT(t.created_at, '%Y-%m-01 00:00:00') AS DATETIME),
      INTERVAL ((
        MONTH(t.created_at) - 1
      ) % 3) MONTH
    ) AS period,
    COUNT(DISTINCT t.customer_id) AS customers
  FROM orders AS t
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
  GROUP BY
    DATE_SUB(
      CAST(DATE_FORMAT(t.created_at, '%Y-%m-01 00:00:00') AS DATETIME),
      INTERVAL ((
        MONTH(t.created_at) - 1
      ) % 3) MONTH
    )
), output_keys AS (
  SELECT
    period
  FROM scan_orders_per_customer_id
  UNION
  SELECT
    period
  FROM scan_orders
)
SELECT
  output_keys.period,
  CAST((
    COALESCE(scan_orders_per_customer_id.repeat_customers, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(scan_orders.customers, 0)
  ), 0) AS repeat_purchase_rate
FROM output_keys
LEFT JOIN scan_orders_per_customer_id
  ON output_keys.period = scan_orders_per_customer_id.period
LEFT JOIN scan_orders
  ON output_keys.period = scan_orders.period
ORDER BY
  CASE WHEN output_keys.period IS NULL THEN 1 ELSE 0 END, output_keys.period
