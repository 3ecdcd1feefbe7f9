// One record a page shows: fetched on demand, with its loading flag and the error to show.
import { ref } from 'vue'

export function useLoaded(fetch) {
  const value = ref(null)
  const loading = ref(true)
  const error = ref('')
  async function load() {
    loading.value = true
    try {
      value.value = await fetch()
      error.value = ''
    } catch (e) {
      error.value = e.summary || e.message
    } finally {
      loading.value = false
    }
  }
  return { value, loading, error, load }
}
