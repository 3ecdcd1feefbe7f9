"""暖流 support: 人才对接 (talent matching), 困难帮扶 cases and the 服务先锋队 (vanguard)."""

SERVICE = "support"
