"""The camera push paths: the heartbeat's protocol, the alarm push's multipart form and
its intake, and the offline sweep.

Imported by the heartbeat, alarm and offline sweep functions (and the tools' simulator
and benchmarks). Needs ``models``, ``dal`` and python-multipart (the shared layer).
"""
