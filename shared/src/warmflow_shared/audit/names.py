"""What the auditors read for the trail's codes (the console shows the name and keeps the code)."""

from __future__ import annotations

ACTION_NAMES: dict[str, str] = {
    "read_file": "查看党员档案",
    "search": "查询党员名单",
    "export": "导出党员名单",
    "held-events.read": "查看暂缓处理的事件",
    "dead-letters.replay": "重新处理失败事件",
    "dead-letters.discard": "丢弃失败事件",
}
# a state-changing request is recorded as "<METHOD> <route>"
METHOD_NAMES: dict[str, str] = {"POST": "提交", "PUT": "修改", "PATCH": "修改", "DELETE": "删除"}
FIELD_NAMES: dict[str, str] = {
    "id_number": "公民身份号码",
    "name": "姓名",
    "phone": "手机号码",
    "employer": "工作单位",
    "residence": "现居住地",
    "party_status": "党员类别",
    "mobile_status": "流动状态",
    "checkin_location": "报到地点",
    "lost_contact_status": "失联情况",
    "lost_contact_searches": "失联查找记录",
    "held_events": "暂缓处理的事件",
}
