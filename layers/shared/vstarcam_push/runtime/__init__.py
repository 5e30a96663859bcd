"""What every Lambda handler needs: its settings, the HTTP API event, the protocol's
replies and metrics, the batch loops of the event sources, the JSON logger, and the
level fence that keeps the AWS SDK's and urllib3's wire logs (secrets) out of every log.

Imported by the functions' ``app.py`` files. Needs ``models``; Powertools only where a
handler counts metrics (imported on use: the heartbeat and the sweep import none).
"""
