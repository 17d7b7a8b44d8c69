"""The `carepulse` command line: `main.main` builds the parser from one module per
command (replay, produce, simulate, broker, worker, ingest, bridge, alerts, dlq; the
package `demo`) and runs the chosen one.

Every run builds the whole parser, so it imports every command module. To keep a short
command short (`carepulse replay --input` reads a file in a fraction of a second), a
command module imports at its top only what its parser needs (argparse, `common`,
`arguments`, the configuration) and its `run` imports what the command does: Kafka
clients, the embedded broker, the gateway, Faust, the simulator, the demo's parts, a
printer of its own (`alerts_output`, `dlq_output`). tests/unit/cli/test_startup.py
checks that a replay of a file loads none of these.
"""
