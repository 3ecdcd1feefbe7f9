// Names people read for the services' codes (vocabulary.json is exported by `warmflow vocabulary`
// from the services' own tables; a test keeps it equal) and the formats of times and dates.
import vocabulary from './vocabulary.json'

export const V = vocabulary
export const WEEKDAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日']

// the services number weekdays 1 = Monday … 7 = Sunday
export function weekdayName(weekday) {
  return WEEKDAYS[weekday - 1] || '—'
}

export function slotText(slot) {
  return `${weekdayName(slot.weekday)} ${slot.start}–${slot.end}`
}

export function nameOf(table, code) {
  return (vocabulary[table] || {})[code] || code || '—'
}

export function formatTime(value) {
  if (!value) return '—'
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return String(value)
  return date.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })
}

export function formatDate(value) {
  return value ? String(value).slice(0, 10) : '—'
}

// a 参学率 from the learning service: null when nobody was due to study (no class held for them)
export function rateText(rate) {
  return rate == null ? '暂无数据' : `${(rate * 100).toFixed(1)}%`
}

// a class's phase from the learning service: over once its last session ended (the server's
// clock says so), else open for enrolment or closed to it
export function classPhase(klass) {
  if (klass.ended) return '已结束'
  return klass.status === 'open' ? '进行中' : '报名已截止'
}

// a member's 流动党员活动证 is in force while they are away: handed back on return (the file
// keeps it, checked), void after a transfer (the file has none)
export function cardInForce(file) {
  return Boolean(file.card) && file.status !== 'returned'
}
