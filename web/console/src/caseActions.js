// The actions a transfer case's state allows, as the transfers domain decides them, of the sides
// the caller may act for (the case's my_sides, from the API, which checks both again): the
// receiving county's staff were offered 审批通过 and 驳回 and could only be refused. Cross-province
// cases add the paper letter before the report and the paper receipt before completion; offered
// in another state they could only be refused.
import { api } from './face.js'
import { today } from './support.js' // the date in China (toISOString alone is UTC)

const reason = { key: 'reason', label: '理由', required: true, multiline: true }
const paper = [
  { key: 'on', label: '日期', type: 'date', required: true, initial: today() },
  { key: 'note', label: '说明（如挂号信单号）', multiline: true },
]
const validDays = { key: 'valid_days', label: '有效天数（空为默认）', type: 'number', min: 1, max: 90 }
const act = (verb) => (id, body) => api.post(`/api/transfers/cases/${id}/${verb}`, body)

const ACTIONS = {
  approve: { title: '审批通过', type: 'primary', fields: [] },
  return: { title: '退回修改', fields: [reason] },
  reject: { title: '驳回', type: 'danger', fields: [reason] },
  cancel: { title: '撤销', fields: [reason] },
  resubmit: {
    title: '重新提交',
    type: 'primary',
    fields: [
      { key: 'note', label: '修改说明', multiline: true },
      { key: 'receiving_org_id', label: '改为接收党组织', type: 'org', placeholder: '不改则不选' },
    ],
  },
  // left empty, the letter is valid for the days the platform is configured with (local practice ≈10)
  'issue-letter': { title: '开具介绍信', type: 'primary', fields: [validDays] },
  'paper-letter': { title: '登记纸质介绍信', fields: paper },
  reissue: {
    title: '重开介绍信',
    fields: [
      validDays,
      { key: 'reason', label: '原因', required: true, options: { lost: '遗失', expired: '过期' }, initial: 'lost' },
    ],
  },
  // bounded by the case itself (letter_extendable_until: in total up to the configured months past
  // the original validity, see `extendable`), not a number of the console's: a cap of 90 blocked
  // valid ones; the API refuses too many days at this field all the same
  extend: { title: '延长有效期', fields: [{ key: 'days', label: '延长天数', type: 'number', min: 1, initial: 15 }] },
  // the number on the letter the member hands over, checked by the API: a lost letter found
  // again after its re-issue is void (遗失作废), and was reported all the same; left out, nothing
  // was checked — the API refuses a 报到 without it
  report: {
    title: '登记已报到',
    fields: [{ key: 'serial_number', label: '所持介绍信编号', required: true, placeholder: '核对党员交来的介绍信上的编号' }],
  },
  // the branch is picked by name among the receiving organisation's branches (staff do not know
  // organisation ids: the field asked for a 党支部编号 typed by hand)
  accept: { title: '接收', type: 'primary', fields: [{ key: 'branch_id', label: '编入党支部', type: 'org', required: true, placeholder: '输入名称查找接收党组织下的党支部' }] },
  receipt: { title: '回执已寄回', type: 'primary', fields: [] },
  'paper-receipt': { title: '登记纸质回执', fields: paper },
  complete: { title: '办结', type: 'success', fields: [] },
}

const BY_STATE = {
  submitted: ['approve', 'return', 'reject', 'cancel'],
  returned: ['resubmit', 'cancel'],
  approved: ['issue-letter', 'cancel'],
  letter_issued: ['paper-letter', 'report', 'extend', 'reissue', 'cancel'],
  expired: ['reissue', 'cancel'],
  reported: ['accept'],
  accepted: ['receipt'],
  receipt_returned: ['paper-receipt', 'complete'],
}
const PAPER = ['paper-letter', 'paper-receipt']
// the side that takes each step (a member's own steps are taken in the member app)
const RECEIVING = ['report', 'accept', 'receipt']
const sideOf = (name) => (RECEIVING.includes(name) ? 'receiving' : 'sending')

// a paper record already on the case: recording it again corrects it
const CORRECTS = { 'paper-letter': ['paper_letter', '更正纸质介绍信'], 'paper-receipt': ['paper_receipt', '更正纸质回执'] }

const DAY = 86400000
// the days an extension may still add, and the latest date, shown before staff choose: the
// dialog said so only in a refusal
function extendable(c) {
  const [days] = ACTIONS.extend.fields
  const latest = c.letter_extendable_until
  if (!latest || !c.letter) return ACTIONS.extend
  const left = Math.round((Date.parse(latest) - Date.parse(c.letter.valid_until)) / DAY)
  const hint = left > 0
    ? `现有效期至 ${c.letter.valid_until}，最晚可延至 ${latest}（最多再延长 ${left} 天）`
    : `已延至最晚日期 ${latest}，不能再延期；党员未能按期报到的，请在过期后补开介绍信`
  const bounded = left > 0 ? { max: left, initial: Math.min(days.initial, left) } : {}
  return { ...ACTIONS.extend, fields: [{ ...days, ...bounded, hint }] }
}

// a re-issue's reason as the case's state decides it: an expired letter is voided as 过期 (the API
// takes 遗失 for it as 过期 all the same), a valid one only as lost — 过期 could only be refused
const REISSUE_REASONS = { letter_issued: { lost: '遗失' }, expired: { expired: '过期' } }
function reissuable(c) {
  const options = REISSUE_REASONS[c.status]
  const [initial] = Object.keys(options)
  const fields = ACTIONS.reissue.fields.map((f) => (f.key === 'reason' ? { ...f, options, initial } : f))
  return { ...ACTIONS.reissue, fields }
}

function titled(c, name) {
  if (name === 'extend') return extendable(c)
  if (name === 'reissue') return reissuable(c)
  if (name === 'accept') {
    const [branch] = ACTIONS.accept.fields
    // never the branch the member leaves (a move to its own committee: the API refuses it)
    return { ...ACTIONS.accept, fields: [{ ...branch, branchOf: c.receiving.org_id, except: c.sending.org_id }] }
  }
  const [field, correction] = CORRECTS[name] || []
  const recorded = field && c[field]
  if (!recorded) return ACTIONS[name]
  const fields = ACTIONS[name].fields.map((f) => ({ ...f, initial: recorded[f.key] ?? f.initial }))
  return { ...ACTIONS[name], title: correction, fields }
}

// the letter the page shows, sent with a re-issue or an extension: a page loaded before a
// colleague's re-issue voided the letter just printed; the API refuses a letter changed since
const SHOWN = {
  reissue: (letter) => ({ serial_number: letter.serial_number }),
  extend: (letter) => ({ valid_until: letter.valid_until }),
}
function runner(c, name) {
  const shown = SHOWN[name] && c.letter ? SHOWN[name](c.letter) : {}
  return (id, body) => act(name)(id, { ...body, ...shown })
}

export function caseActions(c) {
  return (BY_STATE[c.status] || [])
    .filter((name) => (c.my_sides || []).includes(sideOf(name)))
    .filter((name) => c.cross_province || !PAPER.includes(name))
    .map((name) => ({ name, ...titled(c, name), run: runner(c, name) }))
}
