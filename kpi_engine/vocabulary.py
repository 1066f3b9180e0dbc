"""The fixed words of requests and specs: grains, weekdays, SQL dialects.

Kept apart from the modules that use them (pydantic models, sqlglot adapters) so that the
command line can offer them as choices without importing those libraries: ``kpi --help``
and every command's option parsing only need these tuples.
"""

GRAINS = ("hour", "day", "week", "month", "quarter", "year")
REQUEST_GRAINS = (*GRAINS, "all")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DIALECTS = ("duckdb", "postgres", "mysql", "sqlite", "bigquery", "snowflake", "redshift",
            "spark", "databricks", "trino", "clickhouse")
