import { Effect, Layer } from "effect"
import { OutboundGuard } from "../services/OutboundGuard"
import { ProviderAdapters } from "../services/ProviderAdapters"
import { makeCaldavAdapter } from "../adapters/providers/caldav/CaldavAdapter"
import { makeGoogleAdapter } from "../adapters/providers/google/GoogleAdapter"
import { makeMicrosoftAdapter } from "../adapters/providers/microsoft/MicrosoftAdapter"
import { ConnectorSettings, type ConnectorSettingsShape } from "../features/connectors/ConnectorSettings"

/** The calendar providers Overlap speaks, one adapter each, over the connector settings (API bases, expansion limits). */
export const providerAdapters = (settings: ConnectorSettingsShape, outbound: OutboundGuard["Type"]): ProviderAdapters["Type"] =>
  ProviderAdapters.of({
    google: makeGoogleAdapter({ apiBase: settings.googleApiBase }),
    microsoft: makeMicrosoftAdapter({ apiBase: settings.graphApiBase }),
    caldav: makeCaldavAdapter({ expansionLimits: settings.expansionLimits, outbound })
  })

export const ProviderAdaptersLive: Layer.Layer<ProviderAdapters, never, ConnectorSettings | OutboundGuard> = Layer.effect(
  ProviderAdapters,
  Effect.zipWith(ConnectorSettings, OutboundGuard, providerAdapters)
)
