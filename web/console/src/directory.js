// Organisations and sites the caller can see, loaded once per page, for names and pickers.
import { ref } from 'vue'
import { api, me } from './face.js'

let cache
let cacheFor

export function useDirectory() {
  const orgs = ref([])
  const sites = ref([])
  const { county, sub } = me()
  if (cacheFor !== sub) cache = undefined
  cacheFor = sub
  cache =
    cache ||
    Promise.all([
      api.get('/api/registry/organisations').catch(() => []),
      api.get('/api/registry/sites', { county }).catch(() => []),
    ])
  const loaded = ref(false)
  cache.then(([o, s]) => {
    orgs.value = o
    sites.value = s
    loaded.value = true
  })
  const byId = (list, id) => list.value.find((x) => x.id === id)
  const asked = new Set()
  // an organisation recorded after the list was loaded (e.g. an external home branch just entered)
  function lookUp(id) {
    if (asked.has(id)) return
    asked.add(id)
    api.get(`/api/registry/organisations/${encodeURIComponent(id)}`).then((org) => orgs.value.push(org), () => {})
  }
  return {
    orgs,
    sites,
    orgName: (id) => {
      if (!id) return '—'
      const org = byId(orgs, id)
      if (!org && loaded.value) lookUp(id)
      return org?.name || id
    },
    siteName: (id) => (id ? byId(sites, id)?.name || id : '—'),
    forget: () => {
      cache = undefined
    },
  }
}
