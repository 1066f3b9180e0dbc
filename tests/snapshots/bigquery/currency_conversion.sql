-- case: currency_conversion
-- dialect: bigquery
-- request: metrics=('net_sales', 'gross_sales_ytd'), grain=month, currency=EUR, since=2024-01-01, until=2024-04-01
WITH scan_orders AS (
  SELECT
    TIMESTAMP_TRUNC(t.created_at, MONTH) AS period,
    SUM(
      (
        t.subtotal
      ) * CASE
        WHEN (
          t.currency IS NULL OR t.currency = 'EUR'
        )
        THEN 1
        ELSE fx_rates.rate
      END
    ) AS gross_sales,
    SUM(
      (
        t.discounts
      ) * CASE
        WHEN (
          t.currency IS NULL OR t.currency = 'EUR'
        )
        THEN 1
        ELSE fx_rates.rate
      END
    ) AS discounts,
    MIN(
      CASE
        WHEN NOT (
          t.currency IS NULL OR t.currency = 'EUR'
        ) AND fx_rates.rate IS NULL
        THEN t.currency
      END
    ) AS check__missing_rate,
    MIN(
      CASE
        WHEN NOT (
          t.currency IS NULL OR t.currency = 'EUR'
        ) AND fx_rates.rate IS NULL
        THEN t.created_at
      END
    ) AS check__missing_rate_at
  FROM orders AS t
  LEFT JOIN (
    SELECT
      currency,
      CAST(date AS DATETIME) AS valid_from,
      LEAD(CAST(date AS DATETIME)) OVER (PARTITION BY currency ORDER BY date NULLS LAST) AS valid_until,
      rate
    FROM exchange_rates
  ) AS fx_rates
    ON fx_rates.currency = t.currency
    AND fx_rates.valid_from <= t.created_at
    AND (
      fx_rates.valid_until IS NULL OR t.created_at < fx_rates.valid_until
    )
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
    AND t.created_at >= CAST('2024-01-01 00:00:00' AS DATETIME)
    AND t.created_at < CAST('2024-04-01 00:00:00' AS DATETIME)
  GROUP BY
    TIMESTAMP_TRUNC(t.created_at, MONTH)
), scan_refunds AS (
  SELECT
    TIMESTAMP_TRUNC(t.created_at, MONTH) AS period,
    SUM(t.amount) AS refunds
  FROM refunds AS t
  WHERE
    t.created_at >= CAST('2024-01-01 00:00:00' AS DATETIME)
    AND t.created_at < CAST('2024-04-01 00:00:00' AS DATETIME)
  GROUP BY
    TIMESTAMP_TRUNC(t.created_at, MONTH)
), history_orders AS (
  SELECT
    TIMESTAMP_TRUNC(t.created_at, MONTH) AS period,
    SUM(
      (
        t.subtotal
      ) * CASE
        WHEN (
          t.currency IS NULL OR t.currency = 'EUR'
        )
        THEN 1
        ELSE fx_rates.rate
      END
    ) AS gross_sales,
    MIN(
      CASE
        WHEN NOT (
          t.currency IS NULL OR t.currency = 'EUR'
        ) AND fx_rates.rate IS NULL
        THEN t.currency
      END
    ) AS check__missing_rate,
    MIN(
      CASE
        WHEN NOT (
          t.currency IS NULL OR t.currency = 'EUR'
        ) AND fx_rates.rate IS NULL
        THEN t.created_at
      END
    ) AS check__missing_rate_at
  FROM orders AS t
  LEFT JOIN (
    SELECT
      currency,
      CAST(date AS DATETIME) AS valid_from,
      LEAD(CAST(date AS DATETIME)) OVER (PARTITION BY currency ORDER BY date NULLS LAST) AS valid_until,
      rate
    FROM exchange_rates
  ) AS fx_rates
    ON fx_rates.currency = t.currency
    AND fx_rates.valid_from <= t.created_at
    AND (
      fx_rates.valid_until IS NULL OR t.created_at < fx_rates.valid_until
    )
  WHERE
    (
      t.status <> 'cancelled' AND NOT t.is_test
    )
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
  FROM history_orders
  WHERE
    period >= CAST('2024-01-01 00:00:00' AS DATETIME)
  UNION DISTINCT
  SELECT
    period
  FROM UNNEST([
    STRUCT(CAST('2024-01-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-02-01 00:00:00' AS DATETIME) AS period),
    STRUCT(CAST('2024-03-01 00:00:00' AS DATETIME) AS period)
  ]) AS spine
), cumulative_gross_sales_ytd AS (
  SELECT
    output_keys.period,
    SUM(h.gross_sales) AS value,
    MIN(h.check__missing_rate) AS check__missing_rate,
    MIN(h.check__missing_rate_at) AS check__missing_rate_at
  FROM output_keys
  JOIN history_orders AS h
    ON h.period <= output_keys.period
    AND h.period >= TIMESTAMP_TRUNC(output_keys.period, YEAR)
  GROUP BY
    output_keys.period
)
SELECT
  output_keys.period,
  (
    COALESCE(scan_orders.gross_sales, 0)
  ) - (
    COALESCE(scan_orders.discounts, 0)
  ) - (
    COALESCE(scan_refunds.refunds, 0)
  ) AS net_sales,
  COALESCE(cumulative_gross_sales_ytd.value, 0) AS gross_sales_ytd,
  scan_orders.check__missing_rate AS check__missing_rate_0,
  scan_orders.check__missing_rate_at AS check__missing_rate_at_0,
  cumulative_gross_sales_ytd.check__missing_rate AS check__missing_rate_2,
  cumulative_gross_sales_ytd.check__missing_rate_at AS check__missing_rate_at_2
FROM output_keys
LEFT JOIN scan_orders
  ON output_keys.period = scan_orders.period
LEFT JOIN scan_refunds
  ON output_keys.period = scan_refunds.period
LEFT JOIN cumulative_gross_sales_ytd
  ON output_keys.period = cumulative_gross_sales_ytd.period
ORDER BY
  output_keys.period NULLS LAST
