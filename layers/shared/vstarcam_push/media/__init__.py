"""Alarm media after the push: thumbnails and playable videos, and the email's links.

``convert`` needs Pillow and PyAV, which only the media layer carries: only the media
processing function (and the CLI's ``alarms process``) imports it. ``processing``
imports it on use; ``links`` is imported by the alarm intake, the notifier, the
delivery function and the link redirect function. Needs ``models`` and ``dal``.
"""
