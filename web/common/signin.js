// What both faces' sign-in and OIDC callback pages do; each page keeps only its own look.
import { onMounted, ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { beginOidc, completeOidc } from './oidc.js'

// `face` is the object from createFace; `wants(user)` picks the demo users this face offers.
export function useSignIn(face, wants) {
  const route = useRoute()
  const router = useRouter()
  const config = ref(null)
  const users = ref([])
  const error = ref('')
  const next = () => (typeof route.query.next === 'string' && route.query.next.startsWith('/') ? route.query.next : '/')

  onMounted(async () => {
    try {
      config.value = await face.signInConfig()
      if (config.value.demo) users.value = (await face.api.get('/auth/demo-users')).filter(wants)
    } catch (e) {
      error.value = e.message
    }
  })

  async function demo(user) {
    try {
      const grant = await face.api.post('/auth/demo-token', { user })
      face.session.save(grant.access_token, grant.user.label)
      router.replace(next())
    } catch (e) {
      error.value = e.summary || e.message
    }
  }

  async function oidc() {
    try {
      await beginOidc(face.face, config.value.oidc, next())
    } catch (e) {
      error.value = e.message
    }
  }

  return { config, users, error, demo, oidc }
}

export function useOidcCallback(face) {
  const router = useRouter()
  const error = ref('')
  onMounted(async () => {
    try {
      const config = await face.signInConfig()
      const { token, returnTo } = await completeOidc(face.face, config.oidc, window.location.search)
      face.session.save(token, '')
      router.replace(returnTo || '/')
    } catch (e) {
      error.value = e.message
    }
  })
  return { error }
}
