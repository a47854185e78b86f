import { HttpClient } from "@effect/platform"
import { Duration, Effect, Exit } from "effect"
import type { Analytics } from "../../services/Analytics"
import type { ConnectorSettingsShape } from "./ConnectorSettings"

const originOf = (url: string | undefined, fallback: string): string => {
  try {
    return new URL(url ?? fallback).origin
  } catch {
    return new URL(fallback).origin
  }
}

/**
 * The provider an outgoing request of the connector engine is for: Google's or Graph's API origin (the configured
 * bases, else the production ones the adapters default to), else CalDAV — the engine's client talks to nothing else.
 */
export const providerOfUrl = (settings: Pick<ConnectorSettingsShape, "googleApiBase" | "graphApiBase">) => {
  const google = originOf(settings.googleApiBase, "https://www.googleapis.com")
  const microsoft = originOf(settings.graphApiBase, "https://graph.microsoft.com")
  return (url: string): string => {
    const origin = originOf(url, "http://invalid.invalid")
    return origin === google ? "google" : origin === microsoft ? "microsoft" : "caldav"
  }
}

/**
 * An HttpClient that reports each exchange's latency to `provider_latency` (Analytics) under its provider, with the
 * status it got (0: no answer — a timeout or a network error). It wraps the bare client the connector engine is given,
 * so the per-connector quota's waiting is not counted: only the provider's time.
 */
export const meteredClient = (client: HttpClient.HttpClient, providerOf: (url: string) => string, analytics: Analytics["Type"]): HttpClient.HttpClient =>
  HttpClient.transform(client, (effect, request) =>
    Effect.timed(Effect.exit(effect)).pipe(
      Effect.tap(([elapsed, exit]) =>
        analytics.providerLatency(providerOf(request.url), Duration.toMillis(elapsed), Exit.isSuccess(exit) ? exit.value.status : 0)),
      Effect.flatMap(([, exit]) => exit)
    ))
