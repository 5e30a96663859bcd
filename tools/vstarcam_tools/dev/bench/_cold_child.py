"""One cold request in a fresh interpreter, run by path so nothing is imported before the clock.

``handler <app.py> <event.json> <out.json> <warm.json>``: import the function's
module and handle the event, as Lambda's init and first invoke do; then, off
the cold clock, handle each event of ``warm.json`` as a warm container would.
``floor - <calls.pickle> <out.json>``: import boto3 (and the libraries the function
needs for its job, e.g. Pillow and av), make the clients the function makes and the
AWS calls it made: the least any handler could cost.
"""

import sys
from time import perf_counter, process_time

mode, target, input_path, output_path = sys.argv[1:5]
with open(input_path, "rb") as stream:
    payload = stream.read()


class LambdaContext:
    function_name = "bench"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def handler() -> tuple[float, float, float, object, object]:
    start = perf_counter()
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("app", target)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    initialised = perf_counter()
    response = module.lambda_handler(json.loads(payload), LambdaContext())
    return start, initialised, perf_counter(), response, module


def floor() -> tuple[float, float, float, object, object]:
    start = perf_counter()
    import importlib
    import pickle

    import boto3
    from botocore import xform_name

    services, calls, imports = pickle.loads(payload)
    for name in imports:
        importlib.import_module(name)
    clients = {service: boto3.client(service) for service in services}
    initialised = perf_counter()
    for service, operation, params, presign in calls:
        method = xform_name(operation)
        if presign:
            clients[service].generate_presigned_url(method, Params=params, ExpiresIn=300)
        else:
            getattr(clients[service], method)(**params)
    return start, initialised, perf_counter(), None, None


cpu_start = process_time()
start, initialised, end, response, module = handler() if mode == "handler" else floor()
cpu = process_time() - cpu_start

import json  # noqa: E402  (after the clock: the report is not part of the request)

warm: list[tuple[float, float, object]] = []
if module is not None:
    with open(sys.argv[5], "rb") as stream:
        warm_events = json.loads(stream.read())
    for event in warm_events:
        began, began_cpu = perf_counter(), process_time()
        answer = module.lambda_handler(event, LambdaContext())  # type: ignore[attr-defined]
        ms, cpu_ms = (perf_counter() - began) * 1000, (process_time() - began_cpu) * 1000
        warm.append((ms, cpu_ms, answer))

with open(output_path, "w") as out:
    json.dump(
        {
            "ms": (end - start) * 1000,
            "cpu_ms": cpu * 1000,
            "init_ms": (initialised - start) * 1000,
            "response": response,
            "warm": warm,
        },
        out,
    )
