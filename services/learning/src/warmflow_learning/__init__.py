"""暖流 learning: 暖流成长营 courses, classes, attendance."""

SERVICE = "learning"
