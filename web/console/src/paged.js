// One numbered list a page shows: its rows, total, current page and loading flag; totalCapped
// when the service stopped counting (the registry's member lists: "10000+", searches "100+").
import { ref } from 'vue'

// fetchPage(page) answers { items, total, total_capped? }.
export function usePaged(fetchPage) {
  const items = ref([])
  const total = ref(0)
  const totalCapped = ref(false)
  const page = ref(1)
  const loading = ref(false)
  async function load(p = 1) {
    page.value = p
    loading.value = true
    try {
      const result = await fetchPage(p)
      items.value = result.items
      total.value = result.total
      totalCapped.value = Boolean(result.total_capped)
    } finally {
      loading.value = false
    }
  }
  return { items, total, totalCapped, page, loading, load }
}
