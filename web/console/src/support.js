// What the support pages (人才对接, 帮扶案件, 先锋队) share: names, lists typed as text, actions.
import { V } from '@common/labels.js'

export const STEP_NAMES = {
  draft: '起草',
  open: '开立/发布',
  close: '关闭/结案',
  filled: '招满',
  introduced: '推荐',
  accepted: '党员接受',
  declined: '党员婉拒',
  hired: '录用',
  not_hired: '未录用',
  approved: '批准',
  rejected: '不予批准',
  settle: '发放/办结',
  visit: '回访',
}

export const stepName = (action) => STEP_NAMES[action] || action
export const countyName = (code) => V.counties[code] || code || '—'

// "电工、会计, 驾驶" → ["电工", "会计", "驾驶"]
export function words(text) {
  return String(text || '')
    .split(/[、,，;；\s]+/)
    .map((w) => w.trim())
    .filter(Boolean)
}

export function today(days = 0) {
  const day = new Date(Date.now() + days * 86400_000 + 8 * 3600_000) // the date in China
  return day.toISOString().slice(0, 10)
}

export function money(value) {
  return value == null ? '—' : `${Number(value).toLocaleString('zh-CN')} 元`
}
