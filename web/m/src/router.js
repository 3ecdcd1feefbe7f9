import { createRouter, createWebHistory } from 'vue-router'
import { session } from './face.js'

const page = (name) => () => import(`./pages/${name}.vue`)

const routes = [
  { path: '/signin', component: page('SignIn'), meta: { bare: true, public: true } },
  { path: '/callback', component: page('Callback'), meta: { bare: true, public: true } },
  { path: '/', component: page('Home') },
  { path: '/checkin/:site', component: page('CheckIn'), meta: { bare: true } },
  { path: '/me', component: page('Me') },
  { path: '/me/edit', component: page('EditMe'), meta: { bare: true } },
  { path: '/me/report', component: page('YearlyReport'), meta: { bare: true } },
  { path: '/me/notifications', component: page('NoticeSettings'), meta: { bare: true } },
  { path: '/learning', component: page('Learning') },
  { path: '/notices', component: page('Notices') },
  { path: '/transfer', component: page('Transfer') },
  { path: '/support', component: page('Support') },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory('/m/'), routes })

router.beforeEach((to) => {
  if (to.meta.public || session.current()) return true
  return { path: '/signin', query: { next: to.fullPath } }
})
