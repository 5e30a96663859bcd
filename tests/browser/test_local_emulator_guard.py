"""A web page in the operator's browser cannot touch the local stack's AWS emulator.

Issue 18's attack, in headless Chromium: a page served from another origin on 127.0.0.1
(another port: same site as moto, so the browser sends it cookies-free "simple" requests
without a preflight) tries, without being able to read a single answer,

- a form upload of an HTML page to the media bucket, then opens that page by a link with a
  made-up signature (served by moto, it is same-origin with it and free to write SSM
  parameters and tables: issue 18 read the push-key secret that way);
- a ``no-cors`` call with a fake SigV4 ``Authorization`` deleting the bucket's object;
- ``POST /moto-api/reset``, which wiped the stack.

Afterwards the bucket, every table and every SSM parameter are as they were.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import PASSWORD, own_local_stack, wait
from tests.e2e.localstack import LocalStackProcess

pytestmark = pytest.mark.slow

SEED_KEY = "alarms/seed.jpg"
VUID = "VE0005622QHOW"
FAKE_SIGV4 = (
    "AWS4-HMAC-SHA256 Credential=testing/20240501/us-east-1/{service}/aws4_request, "
    "SignedHeaders=host, Signature=" + "0" * 64
)

FORGED_LINK = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=testing%2F20240501%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20240501T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=" + "0" * 64
)

# Uploaded to the bucket by the attacker's form: once served by moto it would be
# same-origin with moto, so its requests may carry any header.
PAYLOAD = """<!doctype html><script>
const sign = (service) => %(sigv4)s.replace('{service}', service);
fetch('/', {method: 'POST', body: JSON.stringify({Name: '/pwned', Value: 'x', Type: 'String'}),
  headers: {'X-Amz-Target': 'AmazonSSM.PutParameter', 'Authorization': sign('ssm'),
            'Content-Type': 'application/x-amz-json-1.1'}});
fetch('/', {method: 'POST', body: JSON.stringify({TableName: %(table)s,
                                                  Item: {vuid: {S: 'PWNED0001'}}}),
  headers: {'X-Amz-Target': 'DynamoDB_20120810.PutItem', 'Authorization': sign('dynamodb'),
            'Content-Type': 'application/x-amz-json-1.0'}});
</script>"""

ATTACK = """<!doctype html><title>working</title>
<iframe name="sink" id="sink"></iframe><iframe id="opened"></iframe>
<form id="upload" method="POST" enctype="multipart/form-data" target="sink" action="%(bucket_url)s">
  <input name="key" value="evil.html"><input name="Content-Type" value="text/html">
  <input type="file" name="file" id="file">
</form>
<script>
const moto = %(moto)s, bucket = %(bucket)s;
const loaded = (frame) => new Promise((done) => { frame.onload = done; setTimeout(done, 4000); });
const settle = (promise) => promise.then(() => 'sent', (error) => String(error));
async function attack() {
  const files = new DataTransfer();
  files.items.add(new File([%(payload)s], 'evil.html', {type: 'text/html'}));
  document.getElementById('file').files = files.files;
  const uploaded = loaded(document.getElementById('sink'));
  document.getElementById('upload').submit();
  await uploaded;
  const opened = document.getElementById('opened');
  const ran = loaded(opened);
  // moto checks no signature: a made-up one opens the page as a media link would.
  opened.src = `${moto}/${bucket}/evil.html?${%(forged_link)s}`;
  await ran;
  await new Promise((done) => setTimeout(done, 1000));
  await settle(fetch(`${moto}/${bucket}?delete`, {
    method: 'POST', mode: 'no-cors',
    headers: {'Authorization': %(sigv4_s3)s, 'Content-Type': 'text/plain'},
    body: `<Delete><Object><Key>%(seed)s</Key></Object></Delete>`,
  }));
  await settle(fetch(`${moto}/moto-api/reset`, {method: 'POST', mode: 'no-cors'}));
  document.title = 'done';
}
attack();
</script>"""


def snapshot(local: LocalStackProcess) -> dict[str, Any]:
    """The bucket's objects, every table's items and every SSM parameter with its value."""
    s3, dynamodb, ssm = local.client("s3"), local.client("dynamodb"), local.client("ssm")
    bucket = local.outputs.media_bucket
    objects = {
        item["Key"]: item["ETag"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    }
    tables = {}
    for table in dynamodb.list_tables()["TableNames"]:
        items = dynamodb.scan(TableName=table)["Items"]
        tables[table] = sorted(json.dumps(item, sort_keys=True, default=repr) for item in items)
    names = [p["Name"] for p in ssm.describe_parameters()["Parameters"]]
    parameters = (
        {
            p["Name"]: p["Value"]
            for p in ssm.get_parameters(Names=names, WithDecryption=True)["Parameters"]
        }
        if names
        else {}
    )
    return {"objects": objects, "tables": tables, "parameters": parameters}


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """A stack of its own, not the worker's shared one: the test compares every item, object
    and parameter before and after the attack, and nothing but the test may write meanwhile
    (not even the last work of another module's alarms)."""
    yield from own_local_stack(
        tmp_path_factory, schedule_rate=None, extra_args=["--console-password", PASSWORD]
    )


@pytest.fixture(scope="module")
def attacker(local: LocalStackProcess) -> Iterator[str]:
    """A page on another origin of 127.0.0.1 (a free port), as any web page would be."""
    bucket = local.outputs.media_bucket
    page = ATTACK % {
        "bucket_url": f"{local.endpoint}/{bucket}",
        "moto": json.dumps(local.endpoint),
        "bucket": json.dumps(bucket),
        "seed": SEED_KEY,
        "forged_link": json.dumps(FORGED_LINK),
        "sigv4_s3": json.dumps(FAKE_SIGV4.replace("{service}", "s3")),
        # "<\/" keeps the payload's own </script> from ending the page's script.
        "payload": json.dumps(
            PAYLOAD
            % {
                "sigv4": json.dumps(FAKE_SIGV4),
                "table": json.dumps(local.outputs.cameras_table),
            }
        ).replace("</", "<\\/"),
    }

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def test_a_web_page_changes_nothing_in_the_bucket_tables_or_parameters(
    browser: WebDriver, local: LocalStackProcess, attacker: str
) -> None:
    # A camera with its push key (the secret every key derives from is now in SSM) and a
    # picture in the bucket: what the attack would take or destroy.
    added = subprocess.run(
        [sys.executable, "-m", "vstarcam_tools.cli", "cameras", "add", VUID, "--name", "Door"],
        env=local.aws_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    local.client("s3").put_object(
        Bucket=local.outputs.media_bucket, Key=SEED_KEY, Body=b"\xff\xd8\xff\xe0 a picture"
    )
    before = snapshot(local)
    assert before["objects"] and before["parameters"] and any(before["tables"].values())

    browser.get(attacker)
    try:
        wait(browser, lambda d: d.title == "done", timeout=30)
    except Exception as error:
        raise AssertionError(f"the page did not finish: {browser.get_log('browser')}") from error

    assert snapshot(local) == before
    # The stack still serves its own clients: the camera's push URLs come back.
    urls = subprocess.run(
        [sys.executable, "-m", "vstarcam_tools.cli", "cameras", "urls", VUID],
        env=local.aws_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert urls.returncode == 0 and "/heartbeat/" in urls.stdout, urls.stderr
