"""Developer-only tools: run in a checkout, never by an operator, not in the package.

- ``bench``: ``make bench``, the numbers of docs/performance.md (benchmarks/results.json,
  the cost chart, the cost model's ``inputs.json``). Developer-only: it runs the handlers
  against moto servers and the local stack (the ``[local]`` extra), draws with matplotlib,
  and reads and writes files of the checkout (template.yaml, benchmarks/, docs/).
- ``architecture``: docs/architecture.md's layer diagram and module table, made from
  the code (``python -m vstarcam_tools.dev.architecture``; a test checks them).
- ``screenshot``: the phone notification picture of docs/notifications.md (Chromium).
- ``app_icons``: the web console's home-screen icons (functions/console/web/icon-*.png).
- ``mutate_sample``: ``make mutate-sample``, the mutation score from a seeded sample;
  ``mutmut_conftest``: the pytest shim ``make mutate`` copies next to the mutated layer.
- ``deployed``: template.yaml as ``sam deploy`` submits it (samtranslator, offline), for
  ``stack_identity`` (no update replaces the user's data) and ``permissions`` (every call
  a function makes in the tests checked against its deployed role).
- ``release``: ``python -m vstarcam_tools.dev.release X.Y.Z``, a release's version set in
  the template and the changelog.

pyproject.toml leaves this package out of the wheel (``pip install .``); an editable
install and the tests import it from the checkout. Nothing outside it imports it but
the tests.
"""
