// Calls to the services through the gateway. Problem bodies (RFC 9457) become ApiError with the
// reason of each field it names; a 401 ends the session and brings the user back to sign-in.
import vocabulary from './vocabulary.json'

// The Chinese name of a field a refusal names ("contacts.0.phone" → 紧急联系人第1项·电话): each
// part by its dotted path (profile.name → 姓名) or by itself, a list position as 第N项, a notice
// kind (channels.transfer) by its name; empty for the body as a whole.
const POSITION = /^\d+$/
export function fieldName(key) {
  const path = []
  const named = []
  for (const part of String(key || '').split('.').filter(Boolean)) {
    if (POSITION.test(part)) {
      if (named.length) named[named.length - 1] += `第${Number(part) + 1}项`
      continue
    }
    path.push(part)
    const names = vocabulary.fields
    named.push(names[path.join('.')] || names[part] || vocabulary.notice_categories[part] || part)
  }
  return path.length === 1 && path[0] === 'body' ? '' : named.join('·')
}

// "字段：原因" in Chinese, or the reason alone for the body as a whole
export function fieldReason(key, reason) {
  const name = fieldName(key)
  return name ? `${name}：${reason}` : reason
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `请求失败（${status}）`)
    this.status = status
    this.problem = problem
    this.fields = {}
    for (const error of problem.errors || []) {
      const field = String(error.field || '').replace(/^(body|query|path)\./, '')
      this.fields[field] = this.fields[field] ? `${this.fields[field]}；${error.reason}` : error.reason
    }
  }

  get summary() {
    const fields = Object.entries(this.fields).map(([f, r]) => fieldReason(f, r))
    return [this.problem.title, this.problem.detail, ...fields].filter(Boolean).join('；')
  }
}

export function createApi(session, { onUnauthorized }) {
  async function request(method, path, { body, query, form, raw, extraHeaders } = {}) {
    const url = new URL(path, window.location.origin)
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v)
    }
    const headers = { Accept: 'application/json, application/problem+json', ...extraHeaders }
    const current = session.current()
    if (current) headers.Authorization = `Bearer ${current.token}`
    let payload
    if (form) payload = form
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      payload = JSON.stringify(body)
    }
    let response
    try {
      response = await fetch(url, { method, headers, body: payload })
    } catch {
      throw new ApiError(0, { title: '网络连接失败，请检查网络后重试' })
    }
    if (response.status === 401 && !path.startsWith('/auth/')) {
      session.clear()
      onUnauthorized()
      throw new ApiError(401, { title: '登录已失效，请重新登录' })
    }
    if (!response.ok) {
      let problem
      try {
        problem = await response.json()
      } catch {
        problem = { title: `请求失败（${response.status}）` }
      }
      throw new ApiError(response.status, problem)
    }
    if (raw) return response
    if (response.status === 204) return null
    return response.json()
  }

  return {
    get: (path, query) => request('GET', path, { query }),
    post: (path, body, query) => request('POST', path, { body: body ?? {}, query }),
    put: (path, body, extraHeaders) => request('PUT', path, { body, extraHeaders }),
    patch: (path, body) => request('PATCH', path, { body }),
    del: (path) => request('DELETE', path),
    upload: (path, form) => request('POST', path, { form }),
    blob: async (path, query) => (await request('GET', path, { query, raw: true })).blob(),
    download: async (path, query, fallbackName) => {
      const response = await request('GET', path, { query, raw: true })
      const disposition = response.headers.get('Content-Disposition') || ''
      const match = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
      const name = match ? decodeURIComponent(match[1]) : fallbackName
      const link = document.createElement('a')
      link.href = URL.createObjectURL(await response.blob())
      link.download = name
      link.click()
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000)
      return name
    },
  }
}
