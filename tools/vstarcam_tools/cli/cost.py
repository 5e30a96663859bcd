"""``vstarcam-push cost``: the monthly estimate by service and per camera, for any fleet.

The same model ``make bench`` stores in benchmarks/results.json (``cost_model``) and
draws in docs/cost-per-camera.png: ``vstarcam_tools.cost``, with the durations and write
units the bench measured, shipped in the package. No AWS call is made, no file of a
checkout is read.
"""

from __future__ import annotations

import argparse
from typing import Any

from vstarcam_tools.arguments import number
from vstarcam_tools.cli.common import print_json
from vstarcam_tools.cost.inputs import shipped
from vstarcam_tools.cost.model import (
    CAPACITIES,
    ENDPOINTS,
    choices,
    choices_markdown,
    markdown,
    model,
    with_profile,
)
from vstarcam_tools.cost.prices import CHECKED, FREE_TIER, PRICES
from vstarcam_tools.cost.web_push import per_thousand_alarms

_cameras = number(int, 1, 10_000_000)
_heartbeat_time = number(float, 10, 86_400, unit="seconds")
_per_day = number(float, 0, 100_000)
_picture_kb = number(float, 1, 4500, unit="KB")
_retention_days = number(int, 1, 3653, unit="days")
_channels = number(int, 0, 100)


def _cost(args: argparse.Namespace) -> int:
    profile = with_profile(
        cameras=args.cameras,
        heartbeat_time_s=args.heartbeat_time,
        alarms_per_day=args.alarms_per_day,
        picture_kb=args.picture_kb,
        retention_days=args.retention_days,
        sms_per_day=args.sms_per_day,
        push_channels=args.push_channels,
        refusals_alarm=not args.no_refusals_alarm,
        camera_endpoint=args.camera_endpoint,
        cameras_capacity=args.cameras_capacity,
    )
    inputs = shipped()
    estimate = model(inputs, profile)
    compared = choices(inputs, profile)
    if args.json:
        print_json(
            {
                **estimate,
                "choices_compared": compared,
                "prices": {k: vars(v) for k, v in PRICES.items()},
                "free_tier": {k: {"amount": v[0], "what": v[1]} for k, v in FREE_TIER.items()},
                # What one web push device adds per 1,000 alarms (cost/web_push.py).
                "web_push_per_1000_alarms": per_thousand_alarms(),
            }
        )
        return 0
    chosen = profile.choices
    print(_describe(estimate["profile"]))
    print()
    print(
        f"With CameraEndpoint={chosen['CameraEndpoint']}, "
        f"CamerasCapacity={chosen['CamerasCapacity']}:"
    )
    print()
    print(markdown(estimate))
    print()
    print("Every choice (docs/performance.md, 'Choosing'): today's default and each cheaper one")
    print()
    print(choices_markdown(compared, profile.cameras))
    print()
    print(
        f"Prices: us-east-1 list prices without free tiers, checked {CHECKED} "
        "(sources: --json, or docs/performance.md). Check them at https://aws.amazon.com/pricing."
        " The always-free tiers (a second column, unverified) count the stack alone in its "
        "account."
    )
    return 0


def _describe(profile: dict[str, Any]) -> str:
    cameras = profile["cameras"]
    return (
        f"{cameras:,} camera{'s' if cameras != 1 else ''}, a heartbeat every "
        f"{profile['heartbeat_time_s']:g} s, {profile['alarms_per_day']:g} alarms a day with "
        f"{profile['picture_kb']:g} KB pictures kept {profile['retention_days']} days, "
        f"{profile['sms_per_day']:g} SMS a day, one email subscriber and "
        f"{profile['push_channels']} push channel{'s' if profile['push_channels'] != 1 else ''}"
        f"{'' if profile['refusals_alarm'] else ', no refusals alarm'}, per month:"
    )


def register(subparsers: Any) -> None:
    cost = subparsers.add_parser(
        "cost",
        help="estimate the monthly AWS bill by service and per camera",
        description="The cost model of docs/performance.md for the fleet you describe. "
        "Makes no AWS call.",
    )
    cost.add_argument("--cameras", type=_cameras, default=1, help="cameras (default 1)")
    cost.add_argument(
        "--heartbeat-time",
        type=_heartbeat_time,
        default=60,
        metavar="S",
        help="the cameras' heartbeatTime in seconds (default 60)",
    )
    cost.add_argument(
        "--alarms-per-day",
        type=_per_day,
        default=10,
        metavar="A",
        help="alarms per camera and day (default 10)",
    )
    cost.add_argument(
        "--picture-kb",
        type=_picture_kb,
        default=300,
        metavar="K",
        help="picture size (default 300)",
    )
    cost.add_argument(
        "--retention-days",
        type=_retention_days,
        default=30,
        metavar="D",
        help="RetentionDays of the stack (default 30)",
    )
    cost.add_argument(
        "--sms-per-day",
        type=_per_day,
        default=0,
        metavar="M",
        help="SMS notifications per camera and day (default 0)",
    )
    cost.add_argument(
        "--push-channels",
        type=_channels,
        default=1,
        metavar="P",
        help="push channels each notification goes to (default 1); 0 prices a stack "
        "deployed with PushChannels=false",
    )
    cost.add_argument(
        "--no-refusals-alarm",
        action="store_true",
        help="price a stack deployed with RefusalsAlarm=false",
    )
    cost.add_argument(
        "--camera-endpoint",
        choices=ENDPOINTS,
        default="HttpApi",
        help="price the stack with this CameraEndpoint (default HttpApi)",
    )
    cost.add_argument(
        "--cameras-capacity",
        choices=CAPACITIES,
        default="OnDemand",
        help="price the stack with this CamerasCapacity (default OnDemand; Provisioned is "
        "sized for the fleet, and the units to deploy with are printed)",
    )
    cost.add_argument("--json", action="store_true", help="the numbers as JSON")
    cost.set_defaults(handler=_cost)
