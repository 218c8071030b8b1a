"""Installation and upkeep: the environment `make install` builds (install.sh, which lets
a node's venv see the node's own packages through node_site.py) and a wheelhouse for
nodes without internet (make_wheelhouse.py; for one known node, node_packages/ lists
what it has); mmcv's CUDA ops cross-built for a GPU node (build_mmcv_cuda.sh, which
checks them with benchmarks/mmcv_ops_check.py; docs/gpu_node.md says how they go
together); and the summary of a `make mutation` run (mutation_report.py)."""
