"""The cost model: what a fleet's stack costs a month, by service and per camera.

- ``prices``: AWS list prices, each with its source and date.
- ``inputs``: the stack's shape and its measured requests, shipped as ``inputs.json``.
- ``model``: prices x what each request causes, for a fleet's profile.

Imported by ``vstarcam-push cost`` and by the benchmarks (``vstarcam_tools.dev.bench``,
which measures the inputs and writes ``inputs.json``); it needs no checkout, no AWS call
and nothing beyond the standard library.
"""
