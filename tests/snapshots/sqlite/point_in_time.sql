-- case: point_in_time
-- dialect: sqlite
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
      column1 AS period,
      column2 AS start_utc,
      column3 AS end_utc
    FROM (
      SELECT
        *
      FROM (VALUES
        ('2024-01-01 00:00:00', '2024-01-01 00:00:00', '2024-02-01 00:00:00'),
        ('2024-02-01 00:00:00', '2024-02-01 00:00:00', '2024-03-01 00:00:00'),
        ('2024-03-01 00:00:00', '2024-03-01 00:00:00', '2024-04-01 00:00:00')) AS bounds
    ) AS bounds
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
    column1 AS period
  FROM (
    SELECT
      *
    FROM (VALUES
      ('2024-01-01 00:00:00'),
      ('2024-02-01 00:00:00'),
      ('2024-03-01 00:00:00')) AS spine
  ) AS spine
)
SELECT
  output_keys.period,
  COALESCE(scan_tickets_at_period.active_issues, 0) AS active_issues
FROM output_keys
LEFT JOIN scan_tickets_at_period
  ON output_keys.period = scan_tickets_at_period.period
ORDER BY
  output_keys.period NULLS LAST
