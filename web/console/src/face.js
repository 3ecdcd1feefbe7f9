import { createFace } from '@common/face.js'

export const face = createFace('console')
export const { api, session } = face

// Who may see which part of the console (the API enforces every rule again).
const STAFF = ['site_staff', 'org_admin', 'county_admin']
const ADMINS = ['org_admin', 'county_admin']
export const ACCESS = {
  dashboard: [...STAFF],
  members: [...STAFF],
  memberEdit: ADMINS,
  register: ADMINS,
  worklists: [...STAFF],
  organisations: [...STAFF],
  sites: [...STAFF, 'ops'],
  imports: ADMINS,
  transfers: [...STAFF],
  learning: [...STAFF],
  talent: [...STAFF],
  supportCases: [...STAFF],
  caseApprove: ['county_admin'],
  casePay: ADMINS,
  vanguard: [...STAFF],
  notices: [...STAFF, 'ops', 'auditor'],
  deliveries: [...ADMINS, 'ops'],
  agreements: ['county_admin'],
  audit: ['auditor'], // the trail's API answers auditors only
  ops: ['ops'],
}

export function can(area) {
  const current = session.current()
  return Boolean(current && ACCESS[area]?.includes(current.claims.role))
}

export function me() {
  return session.current()?.claims || {}
}
