"""暖流 registry: members, organisations, 暖流之家 sites, check-ins."""

SERVICE = "registry"
