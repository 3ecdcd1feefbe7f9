import { api } from './face.js'

// Every service that applies other services' events: each answers for its own held events
// (dead or parked letters), only about members the caller may read there.
export const HELD_SERVICES = ['registry', 'transfers', 'learning', 'notify', 'support']

// The held events of one member (memberId) or of every member in the caller's scope, oldest
// first. A service that does not know the member (404) or is unreachable holds nothing here.
export async function heldEvents(memberId) {
  const path = (service) =>
    memberId ? `/api/${service}/members/${encodeURIComponent(memberId)}/held-events` : `/api/${service}/held-events`
  const answers = await Promise.allSettled(HELD_SERVICES.map((service) => api.get(path(service))))
  return answers
    .filter((answer) => answer.status === 'fulfilled')
    .flatMap((answer) => (memberId ? answer.value.items : answer.value))
    .sort((a, b) => a.since.localeCompare(b.since))
}
