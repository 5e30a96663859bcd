"""AWS list prices the cost model multiplies: us-east-1, without free tiers.

Each price says its unit and where and when it was checked (``CHECKED``); check them at
https://aws.amazon.com/pricing before relying on them. Imported by the cost model
(``vstarcam_tools.cost.model``) and by the benchmarks that price what they measure.
"""

from __future__ import annotations

from dataclasses import dataclass

CHECKED = "2026-12-01"


@dataclass(frozen=True)
class Price:
    value: float
    unit: str
    source: str


PRICES: dict[str, Price] = {
    "http_api_request": Price(
        1.00 / 1e6,
        "HTTP API request (first 300 M a month; per 512 KB of request)",
        "awsforengineers.com/blog/aws-api-gateway-pricing-explained (2025-05-19) and "
        "amnic.com/blogs/aws-api-gateway-pricing, both quoting aws.amazon.com/api-gateway/pricing",
    ),
    "lambda_request": Price(
        0.20 / 1e6,
        "Lambda request",
        "cloudchipr.com/blog/aws-lambda-pricing (2024) and a Lambda cost note of 2026-05-11 "
        "(git.mcrn.ar lambda_local_runner docs)",
    ),
    "lambda_arm64_gb_second": Price(
        0.0000133334,
        "Lambda duration, arm64, per GB-second (first 7.5 billion GB-s a month)",
        "cloudchipr.com/blog/aws-lambda-pricing (2024); the same figure in the 2026-05-11 note",
    ),
    "dynamodb_write_unit": Price(
        0.625 / 1e6,
        "DynamoDB on-demand write request unit (after the November 2024 cut)",
        "airbyte.com/data-engineering-resources/dynamodb-pricing (2025-07-21)",
    ),
    "dynamodb_read_unit": Price(
        0.125 / 1e6,
        "DynamoDB on-demand read request unit",
        "airbyte.com/data-engineering-resources/dynamodb-pricing (2025-07-21)",
    ),
    "dynamodb_gb_month": Price(
        0.25,
        "DynamoDB Standard table storage, per GB-month",
        "from memory (not found by the search); a small line either way",
    ),
    "s3_put": Price(
        0.005 / 1000,
        "S3 Standard PUT",
        "devnotes.tech/understanding-aws-s3-pricing (undated, quoting the S3 pricing page)",
    ),
    "s3_get": Price(0.0004 / 1000, "S3 Standard GET", "devnotes.tech (as above)"),
    "s3_gb_month": Price(0.023, "S3 Standard storage, per GB-month", "devnotes.tech (as above)"),
    "sns_publish": Price(
        0.50 / 1e6,
        "SNS standard topic publish",
        "factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols (2026-06-13)",
    ),
    "sns_email": Price(2.00 / 100_000, "SNS email delivery", "factualminds.com (2026-06-13)"),
    "sns_sms_us": Price(
        0.00581,
        "SNS SMS to a US number (carrier fees and registration extra)",
        "from memory (2025); SMS prices change by country and carrier",
    ),
    "sqs_request": Price(
        0.40 / 1e6,
        "SQS standard request (per 64 KB)",
        "factualminds.com/blog/amazon-sqs-pricing-64kb-rule-fifo-vs-standard (2026-06-13) and "
        "cloudburn.io/blog/amazon-sqs-pricing (2026-03-14)",
    ),
    "logs_ingested_gb": Price(
        0.50,
        "CloudWatch Logs ingestion, Standard class, per GB",
        "c3x.dev/blog/cloudwatch-logs-cost-optimization (us-east-1, June 2026)",
    ),
    "logs_stored_gb_month": Price(
        0.03, "CloudWatch Logs storage, per GB-month (compressed)", "c3x.dev (June 2026)"
    ),
    "custom_metric_month": Price(
        0.30,
        "CloudWatch custom metric, per month, prorated by the hours it is published",
        "signoz.io/guides/cloudwatch-pricing (updated 2026-02-15)",
    ),
    "cloudwatch_alarm_month": Price(
        0.10,
        "CloudWatch standard-resolution alarm, per alarm metric and month (a metric-math "
        "alarm is billed for each metric it reads)",
        "c3x.dev/resources/aws/aws_cloudwatch_metric_alarm (undated): $0.10 per "
        "standard alarm-month; per metric of a metric-math alarm from memory (2025)",
    ),
    "dynamodb_wcu_hour": Price(
        0.00065,
        "DynamoDB provisioned write capacity unit, per hour, billed whether used or not "
        "(CamerasCapacity=Provisioned)",
        "docs/shared outside-services facts (us-east-1, 'about $0.00065'); the same figure "
        "from memory (2025); not checked against the pricing page here",
    ),
    "dynamodb_rcu_hour": Price(
        0.00013,
        "DynamoDB provisioned read capacity unit, per hour (CamerasCapacity=Provisioned)",
        "docs/shared outside-services facts (us-east-1, 'about $0.00013'); from memory (2025); "
        "not checked against the pricing page here",
    ),
    "scheduler_invocation": Price(
        1.00 / 1e6,
        "EventBridge Scheduler invocation (a push retry's one-time schedule firing), after "
        "14 million free a month; a waiting schedule costs nothing",
        "aws.amazon.com/eventbridge/pricing via the AWS price list (AWSEvents, 2024-10-01): "
        "'$0 for the first 14 million scheduled invocations', $1.25 per million in Tokyo; "
        "us-east-1's $1.00 per million from memory: unverified",
    ),
    "lambda_async_invoke": Price(
        0.0,
        "Lambda asynchronous invocation (InvocationType=Event): its queue costs nothing beyond "
        "the function's own request and duration",
        "docs.aws.amazon.com/lambda/latest/dg/invocation-async (how it works; no price of its "
        "own on aws.amazon.com/lambda/pricing as we remember it): unverified",
    ),
    "cognito_mau": Price(
        0.0,
        "Cognito user pool (Essentials), the console's few users a month",
        "c3x.dev/resources/aws/aws_cognito_user_pool (undated): 10,000 MAU free, then per MAU",
    ),
}
PRICE = {name: price.value for name, price in PRICES.items()}


# The always-free tiers (they do not expire; the 12-month offers, the HTTP API's and S3's,
# are left out), per account and month: the cost command's second column, for a stack
# alone in its account. From memory (2025), not checked against the pricing pages here:
# unverified, and never the headline figure.
FREE_TIER: dict[str, tuple[float, str]] = {
    "lambda_requests": (1_000_000, "Lambda: 1 million requests"),
    "lambda_gb_seconds": (400_000, "Lambda: 400,000 GB-seconds"),
    "dynamodb_wcu": (25, "DynamoDB: 25 provisioned write capacity units"),
    "dynamodb_rcu": (25, "DynamoDB: 25 provisioned read capacity units"),
    "dynamodb_gb": (25, "DynamoDB: 25 GB of storage"),
    "sns_publishes": (1_000_000, "SNS: 1 million publishes"),
    "sns_emails": (1_000, "SNS: 1,000 email deliveries"),
    "sqs_requests": (1_000_000, "SQS: 1 million requests"),
    "custom_metrics": (10, "CloudWatch: 10 custom metrics"),
    "alarm_metrics": (10, "CloudWatch: 10 alarm metrics"),
    "logs_gb": (5, "CloudWatch Logs: 5 GB ingested and stored"),
}
