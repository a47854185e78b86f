import { cloudflare } from "@cloudflare/vite-plugin"
import { reactRouter } from "@react-router/dev/vite"
import { defineConfig } from "vite"

// `react-router build web` → web/build/client (static assets) and web/build/server (the Worker, with the
// wrangler.json that `npm run dev` passes to `wrangler dev` as one more `-c`).
export default defineConfig({
  plugins: [cloudflare({ viteEnvironment: { name: "ssr" }, configPath: "./wrangler.jsonc" }), reactRouter()],
  build: { target: "es2022" }
})
