"""One media operation in a fresh interpreter, for its time and the process's peak memory.

``<thumbnail|playable> <input file> <runs> <out.json>``: import what MediaProcessFunction
imports (boto3, Powertools, Pillow, av), note the resident set, then run the operation
``runs`` times on the file's bytes. Lambda reports the same thing as "Max Memory Used":
the process's peak resident set, imports included.
"""

import json
import sys
from time import perf_counter, process_time

operation, input_path, runs, output_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

# What the function imports, for its resident set.
import aws_lambda_powertools  # noqa: E402,F401
import boto3  # noqa: E402,F401
from vstarcam_push.media import convert as media_convert  # noqa: E402

with open(input_path, "rb") as stream:
    data = stream.read()


def status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (the peak so far) from /proc, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


after_imports = status_mb("VmRSS")
import_peak = status_mb("VmHWM")
make = media_convert.make_thumbnail if operation == "thumbnail" else media_convert.make_playable
wall: list[float] = []
cpu: list[float] = []
size = 0
for _ in range(runs):
    began, began_cpu = perf_counter(), process_time()
    result = make(data)
    wall.append((perf_counter() - began) * 1000)
    cpu.append((process_time() - began_cpu) * 1000)
    produced = getattr(result, "data", None)
    size = len(produced) if produced is not None else len(data)

with open(output_path, "w") as out:
    json.dump(
        {
            "wall_ms": wall,
            "cpu_ms": cpu,
            "rss_after_imports_mb": after_imports,
            "import_peak_mb": import_peak,
            "peak_rss_mb": status_mb("VmHWM"),
            "output_bytes": size,
        },
        out,
    )
