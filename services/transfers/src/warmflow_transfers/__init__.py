"""暖流 transfers: 组织关系转接 cases and letters."""

SERVICE = "transfers"
