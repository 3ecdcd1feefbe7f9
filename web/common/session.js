// The signed-in user of one face: the bearer token and what its claims say about the caller.
const KEY = (face) => `warmflow.session.${face}`

function decodeClaims(token) {
  const part = token.split('.')[1] || ''
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='))
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))))
}

export function createSession(face) {
  const key = KEY(face)
  return {
    face,
    save(token, label) {
      const claims = decodeClaims(token)
      sessionStorage.setItem(key, JSON.stringify({ token, label, claims }))
    },
    clear() {
      sessionStorage.removeItem(key)
    },
    current() {
      const raw = sessionStorage.getItem(key)
      if (!raw) return null
      const stored = JSON.parse(raw)
      if (!stored.claims.exp || stored.claims.exp * 1000 <= Date.now()) {
        sessionStorage.removeItem(key)
        return null
      }
      return stored
    },
  }
}
