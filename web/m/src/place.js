// Where a lesson is, as members read it: the 暖流之家's name and how far it is from their own
// site (the pages showed the site's id, or nothing, whenever the distance was known).
export function placeOf(r) {
  if (r.online) return '线上'
  const name = r.site_name || '暖流之家（名称待同步）'
  if (r.distance_km === 0) return `${name}（您报到的站点）`
  return r.distance_km == null ? name : `${name}（约 ${r.distance_km} 公里）`
}
