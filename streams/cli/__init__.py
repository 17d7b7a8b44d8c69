"""The `carepulse` command line: `main.main` builds the parser from one module per
command (replay, produce, simulate, broker, worker, demo) and runs the chosen one."""
