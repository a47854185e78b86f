// The four Overlap workers: their wrangler configs, names and the local dev ports they listen on.
export const workers = [
  { id: "appview", config: "wrangler.toml", name: "overlap-appview", port: 8787 },
  { id: "firehose", config: "wrangler.firehose.toml", name: "overlap-firehose", port: 8788 },
  { id: "notify", config: "wrangler.notify.toml", name: "overlap-notify", port: 8789 },
  { id: "webhooks", config: "wrangler.webhooks.toml", name: "overlap-webhooks", port: 8790 }
]

// The web app's Worker (web/, React Router): built by scripts/webBuild.mjs, it joins `wrangler dev` after the four and
// is served on its own port; not part of `npm run build`'s bundles (Vite bundles it).
export const WEB_PORT = 8785
export const webWorker = { id: "web", name: "overlap-web", port: WEB_PORT }
