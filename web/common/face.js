// What both faces share at start: the session, the API client and the sign-in configuration.
import { createApi } from './api.js'
import { createSession } from './session.js'

export function createFace(face) {
  const session = createSession(face)
  const signInPath = `/${face}/signin`
  const api = createApi(session, {
    onUnauthorized: () => {
      const back = window.location.pathname + window.location.search
      if (!window.location.pathname.startsWith(signInPath)) {
        window.location.assign(`${signInPath}?next=${encodeURIComponent(back)}`)
      }
    },
  })
  let config
  return {
    face,
    session,
    api,
    signInPath,
    async signInConfig() {
      config = config || (await api.get('/auth/config'))
      return config
    },
  }
}
