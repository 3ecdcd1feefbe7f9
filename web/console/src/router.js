import { createRouter, createWebHistory } from 'vue-router'
import { can, session } from './face.js'

export const MENU = [
  { path: '/dashboard', title: '工作概览', area: 'dashboard' },
  { path: '/members', title: '党员档案', area: 'members' },
  { path: '/worklists', title: '待办清单', area: 'worklists' },
  { path: '/organisations', title: '组织机构', area: 'organisations' },
  { path: '/sites', title: '暖流之家', area: 'sites' },
  { path: '/imports', title: '批量导入', area: 'imports' },
  { path: '/transfers', title: '关系转接', area: 'transfers' },
  { path: '/learning', title: '暖流成长营', area: 'learning' },
  { path: '/talent', title: '人才对接', area: 'talent' },
  { path: '/support-cases', title: '帮扶案件', area: 'supportCases' },
  { path: '/vanguard', title: '先锋队', area: 'vanguard' },
  { path: '/notices', title: '通知消息', area: 'notices' },
  { path: '/agreements', title: '共管协议', area: 'agreements' },
  { path: '/audit', title: '审计记录', area: 'audit' },
  { path: '/ops', title: '运行状态', area: 'ops' },
]

const page = (name) => () => import(`./pages/${name}.vue`)

const routes = [
  { path: '/signin', component: page('SignIn'), meta: { bare: true, public: true } },
  { path: '/callback', component: page('Callback'), meta: { bare: true, public: true } },
  { path: '/', redirect: () => (MENU.find((item) => can(item.area))?.path || '/signin') },
  { path: '/dashboard', component: page('Dashboard'), meta: { area: 'dashboard' } },
  { path: '/members', component: page('Members'), meta: { area: 'members' } },
  { path: '/members/:id', component: page('MemberFile'), meta: { area: 'members' } },
  { path: '/members/:id/card', component: page('ActivityCard'), meta: { area: 'members', bare: true } },
  { path: '/worklists', component: page('Worklists'), meta: { area: 'worklists' } },
  { path: '/organisations', component: page('Organisations'), meta: { area: 'organisations' } },
  { path: '/sites', component: page('Sites'), meta: { area: 'sites' } },
  { path: '/sites/:id/poster', component: page('SitePoster'), meta: { area: 'sites', bare: true } },
  { path: '/imports', component: page('Imports'), meta: { area: 'imports' } },
  { path: '/transfers', component: page('Transfers'), meta: { area: 'transfers' } },
  { path: '/transfers/:id', component: page('TransferCase'), meta: { area: 'transfers' } },
  { path: '/learning', component: page('Learning'), meta: { area: 'learning' } },
  { path: '/learning/classes/:id', component: page('ClassDetail'), meta: { area: 'learning' } },
  { path: '/learning/sessions/:id', component: page('AttendanceSheet'), meta: { area: 'learning' } },
  { path: '/talent', component: page('Talent'), meta: { area: 'talent' } },
  { path: '/support-cases', component: page('SupportCases'), meta: { area: 'supportCases' } },
  { path: '/support-cases/:id', component: page('SupportCase'), meta: { area: 'supportCases' } },
  { path: '/vanguard', component: page('Vanguard'), meta: { area: 'vanguard' } },
  { path: '/notices', component: page('Notices'), meta: { area: 'notices' } },
  { path: '/agreements', component: page('Agreements'), meta: { area: 'agreements' } },
  { path: '/audit', component: page('Audit'), meta: { area: 'audit' } },
  { path: '/ops', component: page('Ops'), meta: { area: 'ops' } },
  { path: '/:rest(.*)*', component: page('NotFound') },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

router.beforeEach((to) => {
  if (to.meta.public) return true
  if (!session.current()) return { path: '/signin', query: { next: to.fullPath } }
  if (to.meta.area && !can(to.meta.area)) return { path: '/' }
  return true
})
