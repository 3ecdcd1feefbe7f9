import { ref } from 'vue'
import { createFace } from '@common/face.js'

export const face = createFace('m')
export const { api, session } = face

export function me() {
  return session.current()?.claims || {}
}

// the tab bar's count of unread notices; the notices page refreshes it when one is read
export const unread = ref(0)
export async function refreshUnread() {
  unread.value = (await api.get('/api/notify/inbox/unread-count').catch(() => ({ unread: 0 }))).unread
}

// The nav bar's back arrow: the page the member came from in this app, or — a page opened by a
// link (a notice's, a bookmark, the sign-in's way on) has none — `home`, never out of the app
export function goBack(router, home) {
  if (window.history.state?.back) router.back()
  else router.replace(home)
}
