"""The shipped KPI catalog: one YAML file per domain."""
