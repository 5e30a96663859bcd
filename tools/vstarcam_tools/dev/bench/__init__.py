"""``make bench``: the numbers behind docs/performance.md, written to benchmarks/results.json.

Sections (each its own module): ``coldstart`` (a fresh interpreter's first
request against a moto server, beside the bare boto3 floor), ``ingest`` (the
alarm path's decode + parse + validate beside base64 alone), ``calls`` (AWS
calls per request, counted with botocore event hooks), ``sweeper`` (items
the offline sweep reads as the fleet grows) and ``throughput`` (the camera
simulator against the local stack). Run ``python -m vstarcam_tools.dev.bench --help``.
"""
