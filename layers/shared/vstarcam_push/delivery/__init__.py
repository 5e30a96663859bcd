"""Push delivery: the channels (one module per service) and the one loop that owns
idempotency, retries and dead letters.

``fanout`` is imported by the notifier; ``deliverer`` and ``channels`` by the delivery
function and ``notify test``. Needs ``models``, ``dal``, ``runtime.logs`` (the notice
line), ``media.links``, urllib3 and standardwebhooks (the shared layer).
"""
