"""Bridges from help desks to the event contract: pure mappings, no Kafka, no HTTP.

A help desk delivers webhooks in its own shape; a bridge module turns one delivery's raw
body into contract events (docs/events.md), or says why it maps to nothing (ignored: the
sender is still answered 2xx) or cannot be mapped (rejected: the raw record goes to the
dead-letter topic with the reason). The HTTP gateway, the raw topic and the translator
agent are generic; a second help desk is one more module beside `chatwoot.py`.

translation.py: the result type every bridge returns; payload.py: defensive reading of
a parsed JSON body; settings.py: the plain settings of the Chatwoot mapping (built by
streams.config); chatwoot.py: the Chatwoot entry points (`verify_signature`,
`translate`), with chatwoot_context.py, chatwoot_messages.py and
chatwoot_conversations.py behind it (docs/chatwoot.md); platforms.py: the registry of
help desks the gateway and the translator serve (name, `verify`, `translate`).
"""
