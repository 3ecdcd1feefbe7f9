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
  cache.then(([o, s]) => {
    orgs.value = o
    sites.value = s
  })
  const byId = (list, id) => list.value.find((x) => x.id === id)
  return {
    orgs,
    sites,
    orgName: (id) => (id ? byId(orgs, id)?.name || id : '—'),
    siteName: (id) => (id ? byId(sites, id)?.name || id : '—'),
    forget: () => {
      cache = undefined
    },
  }
}
