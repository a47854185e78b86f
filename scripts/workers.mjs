// The four Overlap workers: their wrangler configs, names and the local dev ports they listen on.
export const workers = [
  { id: "appview", config: "wrangler.toml", name: "overlap-appview", port: 8787 },
  { id: "firehose", config: "wrangler.firehose.toml", name: "overlap-firehose", port: 8788 },
  { id: "notify", config: "wrangler.notify.toml", name: "overlap-notify", port: 8789 },
  { id: "webhooks", config: "wrangler.webhooks.toml", name: "overlap-webhooks", port: 8790 }
]
