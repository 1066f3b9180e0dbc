"""``kpi explain``: why a KPI moved between two periods, through the driver tree its spec
declares (``drivers:``) and by dimension. Values come from the compiler (one statement
with ``--compare`` for the whole tree, one per breakdown); this package only divides the
change among the drivers (attribution.py) and lays the result out (tree.py, render.py)."""
