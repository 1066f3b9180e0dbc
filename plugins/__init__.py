"""Built-in plugins of kpi-engine, each registered through the kpi_engine entry-point group."""
