"""``make bench``: the numbers behind docs/performance.md, written to benchmarks/results.json.

Sections (each its own module): ``coldstart`` (a fresh interpreter's first
request against a moto server, beside the bare boto3 floor, with the AWS calls
per request that ``calls`` counts with botocore event hooks), ``ingest`` (the
alarm path's decode + parse + validate beside base64 alone), ``write_units``
(each request's write and read units, priced by ``ddb_units``), ``sweep_designs``
(the offline sweep's parallel Scan of 10,000 cameras, and the designs compared),
``throughput`` (the camera simulator against the local stack), ``media``
(thumbnails and remuxes: time, memory, cost) and ``console`` (the web console's
transfer sizes); ``costs`` is the cost model over all of them, and ``chart`` draws
it. Run ``python -m vstarcam_tools.bench --help``.
"""
