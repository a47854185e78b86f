import type { Config } from "@react-router/dev/config"

// Server-rendered on the Worker (Cloudflare's Vite plugin runs the SSR environment inside workerd).
export default {
  ssr: true,
  future: { v8_viteEnvironmentApi: true }
} satisfies Config
