import { applyD1Migrations, env } from "cloudflare:test"

// Runs before every workerd test file: the same SQL files `wrangler d1 migrations apply` uses.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
