/** The AppView's cron triggers (wrangler.toml [triggers]) and the job each one runs. */
export const appviewCrons = {
  "* * * * *": "expire-holds",
  "*/10 * * * *": "refresh-oauth",
  "17 * * * *": "reindex-drift"
} as const

export type AppviewCronJob = (typeof appviewCrons)[keyof typeof appviewCrons]

export const cronJobOf = (cron: string): AppviewCronJob | undefined =>
  (appviewCrons as Record<string, AppviewCronJob | undefined>)[cron]
