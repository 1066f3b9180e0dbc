-- case: per_customer
-- dialect: sqlite
-- request: metrics=('repeat_purchase_rate',), grain=quarter
WITH scan_orders_per_customer_id AS (
  SELECT
    e.period,
    COUNT(CASE WHEN e.n_orders >= 2 THEN 1 END) AS repeat_customers
  FROM (
    SELECT
      STRFTIME(
        '%Y-%m-01 00:00:00',
        t.created_at,
        '-' || (
          (
            CAST(STRFTIME('%m', t.created_at) AS INTEGER) - 1
          ) % 3
        ) || ' months'
      ) AS period,
      t.customer_id AS entity_key,
      COUNT(*) AS n_orders
    FROM orders AS t
    WHERE
      (
        t.status <> 'cancelled' AND NOT t.is_test
      )
    GROUP BY
      STRFTIME(
        '%Y-%m-01 00:00:00',
        t.created_at,
        '-' || (
          (
            CAST(STRFTIME('%m', t.created_at) AS INTEGER) - 1
          ) % 3
        ) || ' months'
      ),
      t.customer_id
  ) AS e
  GROUP BY
    e.period
), scan_orders AS (
  SELECT
    STRFTIME(
      '%Y-%m-01 00:00:00',
      t.created_at,
      '-' || (
        (
          CAST(STRFTIME('%m', t.created_at) AS INTEGER) - 1
        ) % 3
      ) || ' months'
    ) AS period,
    COUNT(DISTINCT t.customer_id) AS customers
  FROM orders AS t
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
  GROUP BY
    STRFTIME(
      '%Y-%m-01 00:00:00',
      t.created_at,
      '-' || (
        (
          CAST(STRFTIME('%m', t.created_at) AS INTEGER) - 1
        ) % 3
      ) || ' months'
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
  ) AS REAL) / NULLIF((
    COALESCE(scan_orders.customers, 0)
  ), 0) AS repeat_purchase_rate
FROM output_keys
LEFT JOIN scan_orders_per_customer_id
  ON output_keys.period = scan_orders_per_customer_id.period
LEFT JOIN scan_orders
  ON output_keys.period = scan_orders.period
ORDER BY
  output_keys.period NULLS LAST
