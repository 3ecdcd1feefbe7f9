// One numbered list a page shows: its rows, total, current page and loading flag.
import { ref } from 'vue'

// fetchPage(page) answers { items, total }.
export function usePaged(fetchPage) {
  const items = ref([])
  const total = ref(0)
  const page = ref(1)
  const loading = ref(false)
  async function load(p = 1) {
    page.value = p
    loading.value = true
    try {
      const result = await fetchPage(p)
      items.value = result.items
      total.value = result.total
    } finally {
      loading.value = false
    }
  }
  return { items, total, page, loading, load }
}
