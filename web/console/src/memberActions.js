// What staff can do to a member's file from its page: shown by role and status (the API decides).
import { api } from './face.js'
import { today } from './support.js' // the date in China (toISOString alone is UTC)

const ADMINS = ['org_admin', 'county_admin']
const STAFF = ['site_staff', ...ADMINS]
const AWAITING = ['outflow_registered', 'awaiting_checkin']
const AWAY = [...AWAITING, 'checked_in']
const ACTIVE = ['at_home', 'outflow_registered', 'awaiting_checkin', 'checked_in', 'returned', 'lost_contact']
// the home county's staff, or the inflow side of a member whose home organisation is not on here
const issuingSide = (f, claims) =>
  claims.county === f.home_county || (f.home_county === 'external' && claims.county === f.inflow_county)
const post = (id, verb) => (body) => api.post(`/api/registry/members/${id}/${verb}`, body)

export function nest(values) {
  const out = {}
  for (const [key, value] of Object.entries(values)) {
    const parts = key.split('.')
    let target = out
    for (const part of parts.slice(0, -1)) target = target[part] = target[part] || {}
    target[parts.at(-1)] = value
  }
  return out
}

const ACTIONS = [
  {
    name: 'edit',
    title: '编辑档案',
    roles: ADMINS,
    // a partner county's view (the fields its agreement does not share read null) carries no
    // revision and offers no edit: the home side keeps the file (the API refuses it, 403)
    when: (s, f) => s !== 'removed' && Boolean(f.profile_revision),
    fields: (f) => [
      { key: 'profile.name', label: '姓名', required: true, initial: f.profile.name },
      { key: 'profile.phone', label: '手机号码', required: true, initial: f.profile.phone },
      { key: 'profile.email', label: '电子邮箱', initial: f.profile.email },
      { key: 'profile.employer', label: '工作单位', initial: f.profile.employer },
      { key: 'profile.post', label: '职务', initial: f.profile.post },
      { key: 'profile.residence', label: '现居住地', initial: f.profile.residence },
      { key: 'profile.dues_paid_until', label: '党费交至（年-月）', initial: f.profile.dues_paid_until },
    ],
    run: (id, values, f) => {
      const profile = { ...f.profile, ...nest(values).profile }
      // refused (412) if the member or another admin changed the file since it was opened
      const opened = f.profile_revision ? { 'If-Match': f.profile_revision } : {}
      return api.put(`/api/registry/members/${id}`, { profile }, opened)
    },
  },
  {
    name: 'outflow',
    title: '登记流出',
    type: 'danger',
    roles: ADMINS,
    when: (s) => s === 'at_home' || s === 'returned',
    fields: (f, V, sites) => [
      { key: 'reason_code', label: '外出原因', required: true, options: V.outflow_reasons },
      { key: 'destination', label: '流向地', required: true },
      // the day the member leaves (or left), as they reported it before leaving
      { key: 'departs_on', label: '外出日期', type: 'date', required: true, initial: today() },
      { key: 'expected_months', label: '预计外出月数', type: 'number', required: true, initial: 12, min: 1, max: 120 },
      // where the member will check in: any county's 暖流之家, chosen by name
      { key: 'site_id', label: '报到暖流之家', options: sites, placeholder: '可不选，由党员到站后报到' },
    ],
    run: (id, body) => post(id, 'outflow')(body),
  },
  { name: 'depart', title: '确认已离开', roles: STAFF, when: (s) => s === 'outflow_registered', fields: () => [], run: (id, body) => post(id, 'depart')(body) },
  {
    name: 'card-checkin',
    title: '现场报到（凭活动证）',
    type: 'primary',
    roles: ['site_staff'],
    when: (s) => s === 'outflow_registered' || s === 'awaiting_checkin',
    fields: (f) => [{ key: 'card_number', label: '活动证编号', required: true, initial: f.card?.number }],
    run: (id, body, f, claims) => api.post(`/api/registry/sites/${claims.site_id}/checkins`, body),
  },
  {
    // 报到 at a party organisation not on the platform (another city or province): the home side
    // records it as the member or that organisation reported it (不漏一人)
    name: 'checkin-elsewhere',
    title: '登记外地报到',
    roles: ADMINS,
    when: (s, f) => AWAITING.includes(s) && f.home_county !== 'external',
    fields: () => [
      { key: 'inflow_org.name', label: '报到党组织全称', required: true, placeholder: '如：深圳市南山区某某公司党支部' },
      { key: 'inflow_org.region_code', label: '所在地区划代码', required: true, placeholder: '6 位，如 440305' },
      ...REPORT_FIELDS('reported'),
    ],
    run: (id, body) => post(id, 'checkin-elsewhere')(nest(body)),
  },
  {
    name: 'return',
    title: '登记返回',
    roles: STAFF,
    when: (s) => ['checked_in', 'awaiting_checkin', 'lost_contact'].includes(s),
    // the card goes back to the home committee that issued it: only that side records it handed
    // back (the API refuses the inflow side's tick, 422); the inflow side registers the return
    fields: (f, V, sites, claims) =>
      issuingSide(f, claims) ? [{ key: 'card_checked', label: '活动证已交回查验', type: 'bool', initial: false }] : [],
    run: (id, body) => post(id, 'return')({ card_checked: false, ...body }),
  },
  {
    // handed back after the return was registered: the card's check (查验) is recorded then
    name: 'check-card',
    title: '查验收回活动证',
    roles: STAFF,
    when: (s, f) => s === 'returned' && Boolean(f.card) && !f.card.checked_on,
    fields: () => [],
    run: (id) => post(id, 'card/check')({}),
  },
  {
    name: 'reach',
    title: '记录联系',
    roles: STAFF,
    when: (s) => ACTIVE.includes(s),
    fields: () => [
      { key: 'kind', label: '类型', required: true, options: { contact: '取得联系', dues: '交纳党费' }, initial: 'contact' },
      { key: 'on', label: '日期', type: 'date', required: true, initial: today() },
      { key: 'dues_paid_until', label: '党费交至（年-月）' },
    ],
    run: (id, body) => post(id, 'reach')(body),
  },
  {
    // 年度汇报: a report the home side received by letter, phone or in person, with its day
    // (the member's own reports come from the app); one from a member in 失联 restores contact,
    // so it is offered whenever the file has a report year running (report_since)
    name: 'yearly-report',
    title: '登记年度汇报',
    roles: ADMINS,
    when: (s, f) => AWAY.includes(s) || Boolean(f.report_since),
    fields: () => [
      { key: 'channel', label: '汇报方式', required: true, options: { letter: '书面', phone: '电话', visit: '当面' }, initial: 'letter' },
      { key: 'on', label: '汇报日期', type: 'date', required: true, initial: today() },
      { key: 'text', label: '汇报内容摘要', required: true, multiline: true, placeholder: '年度思想和工作情况汇报' },
    ],
    run: (id, body) => post(id, 'yearly-report')(body),
  },
  {
    // 经多方查找: each attempt to find a member who cannot be reached; suspension waits for them
    name: 'search',
    title: '登记查找',
    roles: STAFF,
    when: (s) => [...AWAY, 'lost_contact', 'suspended'].includes(s),
    fields: (f, V) => [
      { key: 'on', label: '查找日期', type: 'date', required: true, initial: today() },
      { key: 'channel', label: '查找方式', required: true, options: V.search_channels, initial: 'phone' },
      { key: 'outcome', label: '查找结果', required: true, options: V.search_outcomes, initial: 'no_trace' },
      { key: 'searcher', label: '查找人', placeholder: '不填为登记人' },
      { key: 'note', label: '查找情况', multiline: true, placeholder: '如：拨打本人及紧急联系人电话均未接通' },
    ],
    run: (id, body) => post(id, 'searches')(body),
  },
  {
    // only a member away can be flagged (the API refused one at home or returned, 409); before
    // the period the nightly sweep flags by, a search must be on the file first: the file says
    // so (lost_flag_refusal) and the dialog leads to 登记查找
    name: 'lost',
    title: '标记失联',
    type: 'warning',
    roles: ADMINS,
    when: (s) => AWAY.includes(s),
    notice: (f) => f.lost_flag_refusal || '',
    guide: { action: 'search', label: '去登记查找' },
    fields: (f, V) => [{ key: 'reason_code', label: '失联原因', required: true, options: V.lost_reasons }],
    run: (id, body) => post(id, 'lost-contact')(body),
  },
  // 自行脱党待认定: flagged by the nightly sweep; the branch decides whether it stands
  {
    ...decision('self-withdrawal/dismiss', '不予认定自行脱党', (s, f) => Boolean(f.withdrawal)),
    name: 'dismiss-withdrawal',
  },
  {
    // 党章第九条: the branch meeting removes the member, with the higher committee's approval
    ...decision(
      'self-withdrawal/confirm',
      '认定自行脱党并除名',
      (s, f) => Boolean(f.withdrawal) && s !== 'lost_contact',
      '决定依据（支部大会决议及上级党组织批复）',
    ),
    name: 'confirm-withdrawal',
    type: 'danger',
  },
  decision('suspend', '停止党籍', (s) => s === 'lost_contact'),
  decision('restore', '恢复党籍', (s) => s === 'suspended'),
  // removal of a lost-contact member comes two years after the suspension (the API refuses it sooner)
  decision('remove', '除名', (s) => s === 'suspended'),
]

// A decision of the home side; for a home organisation not on the platform, the inflow side
// records it with that organisation's report (how, who, when, reference).
function decision(name, title, when, reasonLabel = '决定依据') {
  return {
    name,
    title,
    roles: ADMINS,
    when,
    fields: (f) => [
      { key: 'reason', label: reasonLabel, required: true, multiline: true },
      ...(f.home_county === 'external' ? REPORT_FIELDS('reported') : []),
    ],
    run: (id, body) => post(id, name)(nest(body)),
  }
}

export const REPORT_FIELDS = (prefix) => [
  { key: `${prefix}.channel`, label: '报告方式', required: true, options: { letter: '来函', phone: '电话', visit: '来人' }, initial: 'letter' },
  { key: `${prefix}.reporter`, label: '报告人', required: true },
  { key: `${prefix}.on`, label: '报告日期', type: 'date', required: true, initial: today() },
  { key: `${prefix}.reference`, label: '函号或记录编号' },
]

// ``sites``: every 暖流之家 by id → its name (an outflow names one of another county)
export function memberActions(file, claims, V, sites = {}) {
  const status = file.status || 'at_home'
  return ACTIONS.filter((a) => a.roles.includes(claims.role) && a.when(status, file)).map((a) => ({
    ...a,
    fields: (f) => a.fields(f, V, sites, claims),
    run: (id, body, f) => a.run(id, body, f, claims),
  }))
}
