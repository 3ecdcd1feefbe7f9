// What both faces share at start: the session, the API client and the sign-in configuration.
import { createApi } from './api.js'
import { V } from './labels.js'
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
  let counties
  return {
    face,
    session,
    api,
    signInPath,
    // counties are data: a partner that joined later is named as its record says
    async loadCounties() {
      counties =
        counties ||
        api.get('/api/registry/counties').then(
          (list) => list.forEach((c) => (V.counties[c.county] = c.name)),
          () => {
            counties = undefined
          },
        )
      return counties
    },
    async signInConfig() {
      config = config || (await api.get('/auth/config'))
      return config
    },
  }
}
