import type { Effect, Option } from "effect"
import { Context, Data, Schema } from "effect"
import { Channel, type DeliveryKey } from "../domain/notify/task"
import { EpochMillis } from "../domain/identifiers"
import type { RepositoryError } from "./RepositoryError"

export const DeliveryStatus = Schema.Literal("sending", "failed", "delivered", "dead")
export type DeliveryStatus = typeof DeliveryStatus.Type

/** A row of `notify_deliveries`: the dedupe ledger of one (notification, channel, target). */
export class Delivery extends Schema.Class<Delivery>("Delivery")({
  notificationId: Schema.String,
  channel: Channel,
  target: Schema.String,
  status: DeliveryStatus,
  attempts: Schema.Int.pipe(Schema.positive()),
  lastError: Schema.NullOr(Schema.String),
  leaseUntil: Schema.NullOr(EpochMillis),
  createdAt: EpochMillis,
  updatedAt: EpochMillis,
  deliveredAt: Schema.NullOr(EpochMillis)
}) {}

/** What a claim found. Only `Claimed` may send. */
export type ClaimResult = Data.TaggedEnum<{
  /** The caller holds the delivery until `leaseUntil`; this is send number `attempts`. */
  Claimed: { readonly attempts: number; readonly leaseUntil: number }
  /** Sent before: a redelivery must not send again. */
  AlreadyDelivered: {}
  /** Given up before (dead-lettered): nothing more to do. */
  Dead: {}
  /** Another consumer is sending it right now. */
  Busy: { readonly leaseUntil: number }
}>
export const ClaimResult = Data.taggedEnum<ClaimResult>()

/**
 * The notify consumer's delivery ledger. `claim` is atomic: of two consumers that claim the same delivery at
 * once, one gets `Claimed` and the other `Busy`; a claim whose lease ran out (the claimant died mid-send)
 * may be taken again, so a crash costs at most one duplicate send, never a lost one.
 */
export class DeliveriesRepo extends Context.Tag("overlap/DeliveriesRepo")<DeliveriesRepo, {
  readonly claim: (key: DeliveryKey, leaseMs: number) => Effect.Effect<ClaimResult, RepositoryError>
  readonly markDelivered: (key: DeliveryKey) => Effect.Effect<void, RepositoryError>
  /** A send failed and will be retried: the claim is released. Never downgrades a delivered row. */
  readonly markFailed: (key: DeliveryKey, error: string) => Effect.Effect<void, RepositoryError>
  /** Given up for good (dead-lettered). Never downgrades a delivered row. */
  readonly markDead: (key: DeliveryKey, error: string) => Effect.Effect<void, RepositoryError>
  readonly get: (key: DeliveryKey) => Effect.Effect<Option.Option<Delivery>, RepositoryError>
}>() {}
