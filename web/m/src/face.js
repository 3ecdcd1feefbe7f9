import { createFace } from '@common/face.js'

export const face = createFace('m')
export const { api, session } = face

export function me() {
  return session.current()?.claims || {}
}
