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
