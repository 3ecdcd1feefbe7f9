// Organisations and sites the caller can see, loaded once per page, for names and pickers.
import { ref } from 'vue'
import { api, me } from './face.js'

let cache
let cacheFor
const STAFF = ['site_staff', 'org_admin', 'county_admin']

export function useDirectory() {
  const orgs = ref([])
  const sites = ref([])
  const { county, sub, role } = me()
  if (cacheFor !== sub) cache = undefined
  cacheFor = sub
  // ops and auditors read no organisation or site directory (the API refuses them): not asked
  const staff = STAFF.includes(role)
  cache =
    cache ||
    Promise.all([
      staff ? api.get('/api/registry/organisations').catch(() => []) : [],
      staff ? api.get('/api/registry/sites', { county }).catch(() => []) : [],
    ])
  const loaded = ref(false)
  cache.then(([o, s]) => {
    orgs.value = o
    sites.value = s
    loaded.value = true
  })
  const byId = (list, id) => list.value.find((x) => x.id === id)
  const asked = new Set()
  // one not in the lists loaded: an organisation recorded since (e.g. an external home branch
  // just entered), or another county's site where one of our members checked in
  function lookUp(list, path, id) {
    if (asked.has(`${path}/${id}`)) return
    asked.add(`${path}/${id}`)
    api.get(`/api/registry/${path}/${encodeURIComponent(id)}`).then((found) => list.value.push(found), () => {})
  }
  function nameIn(list, path, id) {
    if (!id) return '—'
    const found = byId(list, id)
    if (!found && loaded.value && staff) lookUp(list, path, id)
    return found?.name || id
  }
  return {
    orgs,
    sites,
    orgName: (id) => nameIn(orgs, 'organisations', id),
    siteName: (id) => nameIn(sites, 'sites', id),
    forget: () => {
      cache = undefined
    },
  }
}
