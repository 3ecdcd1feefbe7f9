"""Template texts for registry events (version 1). Placeholders name variables fields."""

from __future__ import annotations

from warmflow_notify.domain.templates import Template

T = Template

REGISTRY_TEMPLATES = [
    T("registry.OutflowRegistered.member", 1,
      "外出登记已办理",
      "{recipient_name}同志：您的外出登记已办理，《流动党员活动证》编号 {card_number}，"
      "前往 {destination}。请于 {check_in_due}（含当日）前到流入地党组织或暖流之家报到。",
      "【暖流】{recipient_name}，外出登记已办理，请于{check_in_due}（含当日）前报到。"),
    T("registry.OutflowRegistered.staff", 1,
      "流动党员外出登记：{member_name}",
      "党员 {member_name} 已办理外出登记（活动证 {card_number}），前往 {destination}，"
      "预计外出 {expected_months} 个月，应于 {check_in_due}（含当日）前报到。",
      "【暖流】{member_name}已外出登记，应于{check_in_due}（含当日）前报到。"),
    T("registry.CheckInOverdue.member", 1,
      "报到已逾期",
      "{recipient_name}同志：您应于 {due_on} 前报到，目前尚未完成。"
      "请尽快到流入地党组织或就近的暖流之家报到。",
      "【暖流】{recipient_name}，您的报到已逾期（应于{due_on}前），请尽快报到。"),
    T("registry.CheckInOverdue.staff", 1,
      "报到逾期：{member_name}",
      "党员 {member_name} 应于 {due_on} 前报到，至今未报到，请及时联系并跟进（不漏一人）。",
      "【暖流】{member_name}报到已逾期（应于{due_on}前），请跟进。"),
    T("registry.CheckedIn.member", 1,
      "报到成功",
      "{recipient_name}同志：您已于 {checked_in_at} 完成报到，欢迎加入流入地党组织生活。",
      "【暖流】{recipient_name}，您已于{checked_in_at}完成报到。"),
    T("registry.CheckedIn.staff", 1,
      "已报到：{member_name}",
      "党员 {member_name} 已于 {checked_in_at} 完成报到。",
      "【暖流】{member_name}已于{checked_in_at}报到。"),
    T("registry.LostContactFlagged.staff", 1,
      "失联预警：{member_name}",
      "党员 {member_name} 自 {unreachable_since} 起失去联系（原因：{reason_label}）。"
      "请组织查找；是否处置由支部研究决定。",
      "【暖流】{member_name}自{unreachable_since}起失联，请组织查找。"),
    T("registry.ContactRestored.staff", 1,
      "已恢复联系：{member_name}",
      "党员 {member_name} 已于 {restored_on} 恢复联系。",
      "【暖流】{member_name}已于{restored_on}恢复联系。"),
    T("registry.SelfWithdrawalFlagged.staff", 1,
      "自行脱党待认定：{member_name}",
      "党员 {member_name} {grounds_label}（自 {since} 起）。按规定，连续六个月不参加党的组织生活，"
      "或不交纳党费，视为自行脱党，须由支部研究认定：请了解情况、提醒补缴或参加组织生活；"
      "平台不会自动处置。",
      "【暖流】{member_name}{grounds_label}（自{since}起），请支部研究认定。"),
    T("registry.SelfWithdrawalCleared.staff", 1,
      "自行脱党待认定已解除：{member_name}",
      "党员 {member_name} 的自行脱党待认定已于 {cleared_on} 解除（{cleared_label}）。",
      "【暖流】{member_name}的自行脱党待认定已于{cleared_on}解除。"),
    T("registry.SelfWithdrawalConfirmed.staff", 1,
      "已认定自行脱党：{member_name}",
      "党员 {member_name} {grounds_label}（自 {since} 起），经支部研究认定为自行脱党，"
      "已于 {confirmed_on} 除名（依据：{reason}）。",
      "【暖流】{member_name}经支部认定为自行脱党，已于{confirmed_on}除名。"),
    T("registry.MemberReturned.member", 1,
      "返回登记已办理",
      "{recipient_name}同志：您已于 {returned_on} 办理返回登记，请交回《流动党员活动证》查验。",
      "【暖流】{recipient_name}，返回登记已办理，请交回活动证。"),
    T("registry.MemberReturned.staff", 1,
      "党员返回：{member_name}",
      "党员 {member_name} 已于 {returned_on} 返回，请查验收回《流动党员活动证》。",
      "【暖流】{member_name}已于{returned_on}返回，请收回活动证。"),
    T("registry.YearlyReportDue.member", 1,
      "请向党组织报告年度思想和工作情况",
      "{recipient_name}同志：外出期间每年至少向党组织报告一次思想和工作情况。"
      "距您上次汇报（或外出）已近一年，请于 {due_on} 前在“我的”页面提交年度汇报。",
      "【暖流】{recipient_name}，请于{due_on}前向党组织提交年度思想和工作情况汇报。"),
    T("registry.YearlyReportOverdue.member", 1,
      "年度汇报已逾期",
      "{recipient_name}同志：您自 {since} 起未向党组织报告思想和工作情况，已超过一年"
      "（应于 {due_on} 前）。请尽快在“我的”页面提交年度汇报。",
      "【暖流】{recipient_name}，您的年度汇报已逾期（应于{due_on}前），请尽快提交。"),
    T("registry.YearlyReportOverdue.staff", 1,
      "年度汇报逾期：{member_name}",
      "流动党员 {member_name} 自 {since} 起未向党组织报告思想和工作情况，已超过一年"
      "（应于 {due_on} 前）。请联系督促；收到书面或电话汇报的，请在一人E档中登记。",
      "【暖流】{member_name}年度汇报已逾期（应于{due_on}前），请督促。"),
    T("registry.YearlyReportRecorded.staff", 1,
      "年度汇报：{member_name}",
      "流动党员 {member_name} 已于 {reported_on} 报告年度思想和工作情况（{channel_label}），"
      "下次应于 {next_due} 前汇报。汇报内容请在一人E档中查看。",
      "【暖流】{member_name}已于{reported_on}提交年度汇报。"),
    T("registry.ChangesReported.staff", 1,
      "信息变动报告：{member_name}",
      "流动党员 {member_name} 于 {reported_on} 报告了以下信息变动：{changed_label}。"
      "变动后的内容请在一人E档中查看。",
      "【暖流】{member_name}报告了信息变动：{changed_label}。"),
    T("registry.TransferAdvised.member", 1,
      "请办理组织关系转接",
      "{recipient_name}同志：您自 {away_since} 外出，已满六个月，并已在流入地党组织报到。"
      "按规定，外出地点相对固定、时间在六个月以上的党员，应当将组织关系转移到所在地党组织。"
      "请在“关系转接”页面提出申请，或联系党组织办理。",
      "【暖流】{recipient_name}，您外出已满六个月，请申请将组织关系转到所在地党组织。"),
    T("registry.TransferAdvised.staff", 1,
      "应转接组织关系：{member_name}",
      "流动党员 {member_name} 自 {away_since} 外出已满六个月，已在流入地报到、地点相对固定，"
      "按规定应转移正式组织关系。请联系本人办理组织关系转接（待办清单“应转接组织关系”）。",
      "【暖流】{member_name}外出已满六个月，应办理组织关系转接。"),
]  # fmt: skip
