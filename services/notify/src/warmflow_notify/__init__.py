"""暖流 notify: notices over channels."""

SERVICE = "notify"
