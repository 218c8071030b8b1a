"""Installation: the environment `make install` builds (install.sh) and a wheelhouse
for nodes without internet (make_wheelhouse.py)."""
