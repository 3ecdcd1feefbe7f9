// The member's own file (GET /api/registry/me) as 我的 and 更新我的信息 read it: a read that fails
// (no network, the platform restarting) is said in `loadError`, and `load` (their 重试) reads it
// again; `loaded` gets the file once read.
import { onMounted, ref } from 'vue'
import { api } from './face.js'

export function useMyFile(loaded) {
  const loadError = ref('')
  const loading = ref(false)
  async function load() {
    loading.value = true
    let file
    try {
      file = await api.get('/api/registry/me')
      loadError.value = ''
    } catch (e) {
      loadError.value = e.problem?.detail || e.message
      return
    } finally {
      loading.value = false
    }
    await loaded(file)
  }
  onMounted(load)
  return { loadError, loading, load }
}
