"""Template texts for transfer (组织关系转接) and learning events (version 1)."""

from __future__ import annotations

from warmflow_notify.domain.templates import Template

T = Template

TRANSFER_TEMPLATES = [
    T("transfers.TransferRequested.member", 1,
      "转接申请已提交",
      "{recipient_name}同志：您的组织关系转接申请已提交（原因：{reason}），请等待党组织审批。",
      "【暖流】{recipient_name}，转接申请已提交，请等待审批。"),
    T("transfers.TransferRequested.staff", 1,
      "待审批转接：{member_name}",
      "党员 {member_name} 申请转接组织关系（原因：{reason}），请及时审批，无正当理由不得拒绝。",
      "【暖流】{member_name}申请转接组织关系，请审批。"),
    T("transfers.TransferResubmitted.member", 1,
      "转接申请已重新提交",
      "{recipient_name}同志：您修改后的组织关系转接申请已重新提交（{reason}），请等待党组织审批。",
      "【暖流】{recipient_name}，转接申请已重新提交，请等待审批。"),
    T("transfers.TransferResubmitted.staff", 1,
      "转接申请已修改重报：{member_name}",
      "党员 {member_name} 已按退回意见修改并重新提交转接申请（{reason}），请及时审批。",
      "【暖流】{member_name}已重新提交转接申请，请审批。"),
    T("transfers.MemberReported.staff", 1,
      "党员已持介绍信报到：{member_name}",
      "党员 {member_name} 已于 {reported_at} 持介绍信（编号 {serial_number}）到接收党组织报到，"
      "请接收方及时办理接收，转出方留意回执。",
      "【暖流】{member_name}已持介绍信{serial_number}报到，请及时办理。"),
    T("transfers.TransferApproved.member", 1,
      "转接申请已批准",
      "{recipient_name}同志：您的组织关系转接申请已批准，介绍信将随后开具。",
      "【暖流】{recipient_name}，转接申请已批准。"),
    T("transfers.TransferApproved.staff", 1,
      "转入提醒：{member_name}",
      "党员 {member_name} 的组织关系转接已批准，将转入贵单位，请做好接收准备。",
      "【暖流】{member_name}转接已批准，将转入贵单位。"),
    T("transfers.TransferReturned.member", 1,
      "转接申请需修改",
      "{recipient_name}同志：您的转接申请被退回修改，原因：{reason}。请修改后重新提交。",
      "【暖流】{recipient_name}，转接申请被退回：{reason}"),
    T("transfers.TransferRejected.member", 1,
      "转接申请未获批准",
      "{recipient_name}同志：您的转接申请未获批准，原因：{reason}。如有疑问请联系党组织。",
      "【暖流】{recipient_name}，转接申请未获批准：{reason}"),
    T("transfers.LetterIssued.member", 1,
      "介绍信已开具",
      "{recipient_name}同志：您的组织关系介绍信已开具，编号 {serial_number}，党费交至 "
      "{dues_paid_until}，有效期至 {valid_until}。请在有效期内到 {inflow_org_name} 报到。",
      "【暖流】介绍信{serial_number}已开具，有效期至{valid_until}，请在此前（含当日）报到。"),
    T("transfers.LetterIssued.staff", 1,
      "介绍信已开具：{member_name}",
      "党员 {member_name} 的介绍信（编号 {serial_number}）已开具，有效期至 {valid_until}，"
      "请在其报到后及时接收。",
      "【暖流】{member_name}介绍信{serial_number}已开具，有效期至{valid_until}。"),
    T("transfers.LetterExpired.member", 1,
      "介绍信已过期",
      "{recipient_name}同志：您的介绍信（编号 {serial_number}）已于 {expired_on} 过期，"
      "请联系原党组织说明情况。",
      "【暖流】介绍信{serial_number}已过期，请联系原党组织。"),
    T("transfers.LetterExpired.staff", 1,
      "介绍信过期：{member_name}",
      "党员 {member_name} 的介绍信（编号 {serial_number}）已于 {expired_on} 过期，未完成转接，"
      "请调查了解情况；接收前由转出单位负责。",
      "【暖流】{member_name}介绍信{serial_number}已过期，请跟进。"),
    T("transfers.LetterReissued.member", 1,
      "介绍信已补开",
      "{recipient_name}同志：介绍信已补开，新编号 {serial_number}（原编号 {void_serial_number} "
      "作废），有效期至 {valid_until}。",
      "【暖流】介绍信已补开，新编号{serial_number}，原编号作废。"),
    T("transfers.LetterReissued.staff", 1,
      "介绍信补开：{member_name}",
      "党员 {member_name} 的介绍信已补开，新编号 {serial_number}，"
      "原编号 {void_serial_number} 作废。",
      "【暖流】{member_name}介绍信补开，原编号{void_serial_number}作废。"),
    T("transfers.TransferAccepted.member", 1,
      "组织关系已接收",
      "{recipient_name}同志：接收单位已于 {accepted_at} 接收您的组织关系并编入支部。",
      "【暖流】{recipient_name}，您的组织关系已被接收。"),
    T("transfers.TransferAccepted.staff", 1,
      "已接收：{member_name}",
      "党员 {member_name} 的组织关系已于 {accepted_at} 被接收，等待回执（应在一个月内寄回）。",
      "【暖流】{member_name}已被接收，请留意回执。"),
    T("transfers.ReceiptReturned.staff", 1,
      "回执已寄回：{member_name}",
      "党员 {member_name} 的转接回执已于 {returned_at} 寄回。",
      "【暖流】{member_name}转接回执已寄回。"),
    T("transfers.ReceiptOverdue.staff", 1,
      "回执逾期：{member_name}",
      "党员 {member_name} 的转接回执应于 {due_on} 前寄回，至今未收到，请督促办理。",
      "【暖流】{member_name}转接回执逾期（应于{due_on}前），请督办。"),
    T("transfers.TransferCompleted.member", 1,
      "组织关系转接完成",
      "{recipient_name}同志：您的组织关系转接已于 {completed_at} 完成。",
      "【暖流】{recipient_name}，组织关系转接已完成。"),
    T("transfers.TransferCompleted.staff", 1,
      "转接完成：{member_name}",
      "党员 {member_name} 的组织关系转接已于 {completed_at} 完成。",
      "【暖流】{member_name}转接已完成。"),
    T("transfers.TransferCancelled.member", 1,
      "转接已撤销",
      "{recipient_name}同志：您的组织关系转接已撤销，原因：{reason}。",
      "【暖流】{recipient_name}，转接已撤销：{reason}"),
    T("transfers.TransferCancelled.staff", 1,
      "转接撤销：{member_name}",
      "党员 {member_name} 的组织关系转接已撤销，原因：{reason}。",
      "【暖流】{member_name}转接已撤销。"),
]  # fmt: skip

LEARNING_TEMPLATES = [
    T("learning.SessionStartingSoon.member", 1,
      "课程即将开始：{course_title}",
      "{recipient_name}同志：暖流成长营课程《{course_title}》将于 {starts_at} 开始，请准时参加。",
      "【暖流】《{course_title}》将于{starts_at}开始，请准时参加。"),
    T("learning.EnrolmentCreated.member", 1,
      "报名成功：{class_title}",
      "{recipient_name}同志：您已报名暖流成长营《{class_title}》，开课前我们会提醒您。",
      "【暖流】您已报名《{class_title}》。"),
    T("learning.EnrolmentCancelled.member", 1,
      "报名已取消",
      "{recipient_name}同志：您在暖流成长营的一个班次的报名已取消。",
      "【暖流】{recipient_name}，您的一项报名已取消。"),
    T("learning.CertificateIssued.member", 1,
      "结业证书已颁发",
      "{recipient_name}同志：祝贺您完成暖流成长营学习！结业证书编号 {certificate_id}，"
      "验证码 {verification_code}。",
      "【暖流】结业证书已颁发，验证码{verification_code}。"),
    T("learning.CertificateRevoked.member", 1,
      "结业证书已撤销",
      "{recipient_name}同志：因{reason}，您的结业证书（编号 {certificate_id}）已撤销。"
      "如有疑问请联系所在暖流之家。",
      "【暖流】{recipient_name}，您的结业证书已撤销：{reason}"),
    # v2 promises no reminder: a seat staff record after the last lesson (someone who attended
    # without enrolling) got "开课前我们会提醒您"; each lesson's own reminder still goes out
    T("learning.EnrolmentCreated.member", 2,
      "报名成功：{class_title}",
      "{recipient_name}同志：您已报名暖流成长营《{class_title}》，课程安排请在“学习”页查看。",
      "【暖流】您已报名《{class_title}》。"),
    # v2 name the class: a member in several classes could not tell which one was meant
    T("learning.EnrolmentCancelled.member", 2,
      "报名已取消：{class_label}",
      "{recipient_name}同志：您在{class_label}的报名已取消。",
      "【暖流】{recipient_name}，您在{class_label}的报名已取消。"),
    T("learning.CertificateIssued.member", 2,
      "结业证书已颁发：{class_label}",
      "{recipient_name}同志：祝贺您完成{class_label}的学习！结业证书编号 {certificate_id}，"
      "验证码 {verification_code}。",
      "【暖流】{class_label}结业证书已颁发，验证码{verification_code}。"),
    T("learning.CertificateRevoked.member", 2,
      "结业证书已撤销：{class_label}",
      "{recipient_name}同志：因{reason}，您{class_label}的结业证书（编号 {certificate_id}）已撤销。"
      "如有疑问请联系所在暖流之家。",
      "【暖流】{recipient_name}，您{class_label}的结业证书已撤销：{reason}"),
    # one pattern for every subject, 事由：对象, a course's or class's title in 《》
    # (报名成功：春训班 read unlike 结业证书已颁发：《春训班》)
    T("learning.SessionStartingSoon.member", 2,
      "课程即将开始：《{course_title}》",
      "{recipient_name}同志：暖流成长营课程《{course_title}》将于 {starts_at} 开始，请准时参加。",
      "【暖流】《{course_title}》将于{starts_at}开始，请准时参加。"),
    T("learning.EnrolmentCreated.member", 3,
      "报名成功：{class_label}",
      "{recipient_name}同志：您已报名{class_label}，课程安排请在“学习”页查看。",
      "【暖流】您已报名{class_label}。"),
]  # fmt: skip

DIGEST_TEMPLATE = T(
    "digest.daily.staff", 1,
    "每日待办汇总（{day}）：{count} 项逾期事项",
    "{recipient_name}：截至 {day}，您负责的以下 {count} 项事项已逾期，请跟进：\n{items}",
    "【暖流】您有{count}项逾期事项待跟进，详见站内信。",
)  # fmt: skip

# one grouped notice per staff (or group bot) and batch, instead of one per overdue member
BATCH_TEMPLATES = [
    T("registry.CheckInOverdue.batch.staff", 1,
      "{count} 名党员报到逾期：{names}",
      "以下 {count} 名党员已过报到期限，至今未报到，请及时联系并跟进（不漏一人）：\n{items}\n"
      "名单也可在「待办清单 › 报到逾期」中查看。",
      "【暖流】{count}名党员报到已逾期（{names}），名单详见站内消息。"),
    T("registry.LostContactFlagged.batch.staff", 1,
      "{count} 名党员失联预警：{names}",
      "以下 {count} 名党员已失去联系，请组织查找；是否处置由支部研究决定：\n{items}\n"
      "名单也可在「待办清单 › 失联党员」中查看。",
      "【暖流】{count}名党员失联预警（{names}），名单详见站内消息。"),
    T("registry.SelfWithdrawalFlagged.batch.staff", 1,
      "{count} 名党员自行脱党待认定：{names}",
      "以下 {count} 名党员六个月以上未参加组织生活或未交纳党费，须由支部研究认定"
      "（平台不会自动处置）：\n{items}\n名单也可在「待办清单 › 自行脱党待认定」中查看。",
      "【暖流】{count}名党员自行脱党待认定（{names}），名单详见站内消息。"),
    T("registry.YearlyReportOverdue.batch.staff", 1,
      "{count} 名党员年度汇报逾期：{names}",
      "以下 {count} 名流动党员超过一年未向党组织报告思想和工作情况，请联系督促：\n{items}\n"
      "名单也可在「待办清单 › 年度汇报逾期」中查看。",
      "【暖流】{count}名党员年度汇报逾期（{names}），名单详见站内消息。"),
    T("transfers.LetterExpired.batch.staff", 1,
      "{count} 份介绍信过期：{names}",
      "以下 {count} 名党员的介绍信已过期，未完成转接，请调查了解情况；接收前由转出单位负责：\n"
      "{items}",
      "【暖流】{count}份介绍信已过期（{names}），详见站内消息。"),
    T("transfers.ReceiptOverdue.batch.staff", 1,
      "{count} 份转接回执逾期：{names}",
      "以下 {count} 名党员的转接回执逾期未寄回，请督促办理：\n{items}",
      "【暖流】{count}份转接回执逾期（{names}），详见站内消息。"),
]  # fmt: skip
