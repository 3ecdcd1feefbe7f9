// The platform's services as staff know them: every page that picks one (audit, ops) lists the same five.
export const SERVICES = { registry: '党员档案', transfers: '关系转接', learning: '成长营', support: '人才与帮扶', notify: '通知' }
