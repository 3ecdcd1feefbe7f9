// Two faces from one workspace: the staff console (/console/) and the member phone app (/m/).
// Both are served by the gateway on the same origin as /api/…; hashed assets go to /assets/.
import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  plugins: [vue()],
  base: '/',
  resolve: { alias: { '@common': here('./common') } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: { console: here('./console/index.html'), m: here('./m/index.html') },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8000', '/auth': 'http://127.0.0.1:8000' } },
})
