"""Template texts for support events: 人才对接 and 硬扶持/困难帮扶 cases (version 1).

A case is a hardship or funding record (sensitive): SMS texts never name the kind, the amount
or, to staff, the member; the full text is for the in-app inbox and email.
"""

from __future__ import annotations

from warmflow_notify.domain.templates import Template

T = Template

SUPPORT_TEMPLATES = [
    T("support.MemberIntroduced.member", 1,
      "岗位推荐：{title}",
      "{recipient_name}同志：{county_name}的工作人员向您推荐了岗位“{title}”。"
      "请在暖流 App 首页“岗位推荐”中查看详情，选择接受或婉拒。",
      "【暖流】{recipient_name}，有一个岗位推荐待您答复，请在暖流App中查看。"),
    T("support.IntroductionAnswered.staff", 1,
      "推荐已答复：{member_name}",
      "党员 {member_name} 已{answer_label}岗位“{title}”的推荐。"
      "如已接受，请与用人单位对接，并在“人才对接”中登记录用结果。",
      "【暖流】{member_name}已{answer_label}岗位推荐，请登录查看。"),
    T("support.SupportCaseOpened.staff", 1,
      "帮扶案件待审批：{member_name}",
      "{county_name}为党员 {member_name} 开立了一件{kind_label}案件，请县（区）管理员在"
      "“帮扶案件”中审批；不予批准须说明理由。",
      "【暖流】有一件帮扶案件待您审批，请登录暖流查看。"),
    T("support.SupportCaseDecided.member", 1,
      "帮扶申请审批结果",
      "{recipient_name}同志：您的{kind_label}申请{decision_label}。"
      "详情可在暖流 App“我的帮扶”中查看，如有疑问请联系{county_name}党组织。",
      "【暖流】{recipient_name}，您的帮扶申请已有审批结果，请在App中查看。"),
    T("support.SupportCaseDecided.staff", 1,
      "帮扶案件审批结果：{member_name}",
      "{county_name}对党员 {member_name} 的{kind_label}案件{decision_label}。",
      "【暖流】一件帮扶案件已有审批结果，请登录暖流查看。"),
    T("support.SupportCaseSettled.member", 1,
      "帮扶已落实",
      "{recipient_name}同志：您的{kind_label}已于 {settled_on} {settled_label}。"
      "后续工作人员可能回访，感谢您的配合。",
      "【暖流】{recipient_name}，您的帮扶已落实，请在App中查看。"),
    T("support.SupportCaseSettled.staff", 1,
      "帮扶已落实：{member_name}",
      "{county_name}对党员 {member_name} 的{kind_label}已于 {settled_on} {settled_label}。",
      "【暖流】一件帮扶案件已落实，请登录暖流查看。"),
]  # fmt: skip
