"""Web push devices: destinations of channel ``webpush`` and their subscription secrets.

The device is a destination (``dal.destinations``) and its subscription three SecureString
parameters under the destinations' secrets prefix (``dal.secrets``), as for every channel.
Saving writes the secrets first and the destination last, removing the other way round:
the delivery function never finds a device whose subscription is not stored (and would
only retry if it did).
"""

from __future__ import annotations

from vstarcam_push.dal.destinations import DestinationStore
from vstarcam_push.dal.secrets import SecretStore
from vstarcam_push.models.destination import Destination
from vstarcam_push.models.web_push import CHANNEL, Subscription, owner


class WebPushDevices:
    def __init__(self, destinations: DestinationStore, secrets: SecretStore) -> None:
        self.destinations = destinations
        self.secrets = secrets

    def of_user(self, user: str) -> list[Destination]:
        """The user's devices (a Scan of the small Destinations table)."""
        return [d for d in self.destinations.list() if d.channel == CHANNEL and owner(d) == user]

    def get(self, device: str) -> Destination | None:
        found = self.destinations.get(device)
        return found if found is not None and found.channel == CHANNEL else None

    def save(self, destination: Destination, subscription: Subscription) -> None:
        self.secrets.put(destination.name, subscription.secrets())
        self.destinations.put(destination)

    def update(self, destination: Destination) -> bool:
        """Name or filters changed; False when the device was removed meanwhile."""
        return self.destinations.put(destination, must_exist=True)

    def remove(self, destination: Destination) -> bool:
        removed = self.destinations.remove(destination.name)
        self.secrets.delete(destination.name, destination.secret_fields)
        return removed
