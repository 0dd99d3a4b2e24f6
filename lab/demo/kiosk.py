"""Demo tablets: one per site, not paired yet."""

from __future__ import annotations

from lab.core.roles import StaffPrincipal
from lab.kiosk import devices as kiosk_devices

# One tablet per site, not paired: `lab kiosk-code --device ID` (or the "Tablettes" page)
# gives it a pairing code when a tablet is at hand.
KIOSK_NAME = "Tablette accueil"


async def load_kiosks(actor: StaffPrincipal, site_ids: dict[str, int]) -> dict[str, int]:
    """{site slug: device id} of the demo tablets."""
    made = {}
    for slug, site_id in site_ids.items():
        device = await kiosk_devices.create_unpaired_device(actor, site_id, KIOSK_NAME)
        made[slug] = device.id
    return made
