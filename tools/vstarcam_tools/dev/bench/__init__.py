"""``make bench``: the numbers behind docs/performance.md, written to benchmarks/results.json.

Sections (each its own module): ``coldstart`` (a fresh interpreter's first request
against a moto server, beside the bare boto3 floor; ``calls`` counts each request's AWS
calls with botocore event hooks), ``ingest`` (the alarm path's decode + parse + validate
beside base64 alone), ``write_units`` (each request's DynamoDB units, priced by
``ddb_units``), ``sweep_designs`` (the offline sweep's Scan as the fleet grows, and the
designs compared), ``throughput`` (the camera simulator against the local stack),
``media`` (thumbnails and remuxing), ``console`` (transfer sizes). From what they measure
``cost_inputs`` writes the cost model's inputs (``vstarcam_tools/cost/inputs.json``) and
``chart`` draws docs/cost-per-camera.png; ``report`` prints the table. Run
``python -m vstarcam_tools.dev.bench --help``.
"""
