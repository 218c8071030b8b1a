"""Installation and upkeep: the environment `make install` builds (install.sh), a
wheelhouse for nodes without internet (make_wheelhouse.py), and the summary of a
`make mutation` run (mutation_report.py)."""
