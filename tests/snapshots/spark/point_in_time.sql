-- case: point_in_time
-- dialect: spark
-- request: metrics=('active_issues',), grain=month, since=2024-01-01, until=2024-04-01
WITH scan_tickets_at_period AS (
  SELECT
    p.period AS period,
    COUNT(
      CASE
        WHEN t.created_at < p.end_utc
        AND (
          t.solved_at IS NULL OR t.solved_at >= p.end_utc
        )
        AND NOT t.assignee_id IS NULL
        THEN 1
      END
    ) AS active_issues
  FROM (
    SELECT
      period,
      start_utc,
      end_utc
    FROM VALUES
      (
        CAST('2024-01-01 00:00:00' AS TIMESTAMP),
        CAST('2024-01-01 00:00:00' AS TIMESTAMP),
        CAST('2024-02-01 00:00:00' AS TIMESTAMP)
      ),
      (
        CAST('2024-02-01 00:00:00' AS TIMESTAMP),
        CAST('2024-02-01 00:00:00' AS TIMESTAMP),
        CAST('2024-03-01 00:00:00' AS TIMESTAMP)
      ),
      (
        CAST('2024-03-01 00:00:00' AS TIMESTAMP),
        CAST('2024-03-01 00:00:00' AS TIMESTAMP),
        CAST('2024-04-01 00:00:00' AS TIMESTAMP)
      ) AS bounds(period, start_utc, end_utc)
  ) AS p
  CROSS JOIN tickets AS t
  GROUP BY
    p.period
), output_keys AS (
  SELECT
    period
  FROM scan_tickets_at_period
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
  COALESCE(scan_tickets_at_period.active_issues, 0) AS active_issues
FROM output_keys
LEFT JOIN scan_tickets_at_period
  ON output_keys.period = scan_tickets_at_period.period
ORDER BY
  output_keys.period NULLS LAST
