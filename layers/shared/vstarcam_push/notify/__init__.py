"""The notifier: a camera or alarm stream record -> its texts, SNS, and the push fan-out.

Imported by the notify function. Needs ``models``, ``dal``, ``runtime.logs`` (the notice
line), ``media.links`` and ``delivery.fanout``; no Powertools (its cold start).
"""
