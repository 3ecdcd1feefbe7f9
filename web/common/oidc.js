// OpenID Connect sign-in for production: authorization code + PKCE (S256) against the IdP named by
// the gateway's /auth/config, using the IdP's discovery document. The faces are public clients.
const PENDING = (face) => `warmflow.oidc.${face}`

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

function randomString(size = 48) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)))
}

async function discover(issuer) {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`)
  if (!response.ok) throw new Error('无法读取统一身份认证的配置，请稍后再试')
  return response.json()
}

function redirectUri(face) {
  return `${window.location.origin}/${face}/callback`
}

export async function beginOidc(face, oidc, returnTo) {
  const discovery = await discover(oidc.issuer)
  const verifier = randomString()
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)))
  const state = randomString(24)
  sessionStorage.setItem(PENDING(face), JSON.stringify({ verifier, state, returnTo }))
  const url = new URL(discovery.authorization_endpoint)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.client_id,
    redirect_uri: redirectUri(face),
    scope: oidc.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString()
  window.location.assign(url.toString())
}

export async function completeOidc(face, oidc, search) {
  const params = new URLSearchParams(search)
  const pending = JSON.parse(sessionStorage.getItem(PENDING(face)) || 'null')
  sessionStorage.removeItem(PENDING(face))
  if (params.get('error')) throw new Error(`统一身份认证未通过：${params.get('error_description') || params.get('error')}`)
  if (!pending || params.get('state') !== pending.state) throw new Error('登录请求已失效，请重新登录')
  const discovery = await discover(oidc.issuer)
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') || '',
      redirect_uri: redirectUri(face),
      client_id: oidc.client_id,
      code_verifier: pending.verifier,
    }),
  })
  if (!response.ok) throw new Error('换取登录凭证失败，请重新登录')
  const tokens = await response.json()
  return { token: tokens.access_token, returnTo: pending.returnTo }
}
