"""The framework test apps (served by real servers from this folder) and the harness that serves
them and talks HTTP to them."""
