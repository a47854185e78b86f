// Sample records shared by the lexicon and record-validation tests.
export const HOST = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
export const GUEST = "did:web:guest.example.com"
export const OFFER_URI = `at://${HOST}/app.overlap.slotOffer/3jzfcijpj2z2a`

export const validSlotOffer = {
  $type: "app.overlap.slotOffer",
  start: "2026-03-02T09:00:00.000Z",
  end: "2026-03-02T17:00:00.000Z",
  policy: "mutual",
  tz: "Europe/Berlin",
  note: "Office hours",
  createdAt: "2026-02-20T10:00:00.000Z"
}

export const validBookingRequest = {
  $type: "app.overlap.bookingRequest",
  hostDid: HOST,
  constraints: {
    durationMin: 30,
    durationMax: 60,
    earliest: "2026-03-02T08:00:00+01:00",
    latest: "2026-03-06T18:00:00+01:00",
    days: ["monday", "wednesday"],
    tz: "Europe/Berlin"
  },
  status: "pending",
  offerUri: OFFER_URI,
  note: "Quick sync about the launch",
  createdAt: "2026-02-20T10:00:00.000Z"
}

export const validBooking = {
  $type: "app.overlap.booking",
  hostDid: HOST,
  guestDid: GUEST,
  status: "confirmed",
  icsR2Key: "ics/bk_01/0.ics",
  createdAt: "2026-02-20T10:00:00.000Z"
}

type Sample = Record<string, unknown>
const withConstraints = (patch: Sample): Sample => ({
  ...validBookingRequest,
  constraints: { ...validBookingRequest.constraints, ...patch }
})
const without = (value: Sample, field: string): Sample => Object.fromEntries(Object.entries(value).filter(([k]) => k !== field))

/** An invalid sample, the field it must be rejected for, and whether the lexicon language itself catches it. */
export interface InvalidSample {
  readonly name: string
  readonly collection: string
  readonly value: Sample
  readonly field: string
  readonly lexiconCatches: boolean
}

export const invalidSamples: ReadonlyArray<InvalidSample> = [
  { name: "wrong policy enum", collection: "app.overlap.slotOffer", value: { ...validSlotOffer, policy: "friends" }, field: "policy", lexiconCatches: true },
  { name: "bad did", collection: "app.overlap.bookingRequest", value: { ...validBookingRequest, hostDid: "not-a-did" }, field: "hostDid", lexiconCatches: true },
  { name: "bad did (booking guest)", collection: "app.overlap.booking", value: { ...validBooking, guestDid: "did:bad" }, field: "guestDid", lexiconCatches: true },
  { name: "bad at-uri", collection: "app.overlap.bookingRequest", value: { ...validBookingRequest, offerUri: "https://example.com/offer/1" }, field: "offerUri", lexiconCatches: true },
  { name: "note over maxGraphemes", collection: "app.overlap.slotOffer", value: { ...validSlotOffer, note: "a".repeat(301) }, field: "note", lexiconCatches: true },
  { name: "note over maxLength (UTF-8 bytes)", collection: "app.overlap.bookingRequest", value: { ...validBookingRequest, note: "👨‍👩‍👧".repeat(200) }, field: "note", lexiconCatches: true },
  { name: "durationMin 4", collection: "app.overlap.bookingRequest", value: withConstraints({ durationMin: 4 }), field: "constraints.durationMin", lexiconCatches: true },
  { name: "durationMax 1441", collection: "app.overlap.bookingRequest", value: withConstraints({ durationMax: 1441 }), field: "constraints.durationMax", lexiconCatches: true },
  { name: "durationMin not an integer", collection: "app.overlap.bookingRequest", value: withConstraints({ durationMin: 30.5 }), field: "constraints.durationMin", lexiconCatches: true },
  { name: "missing createdAt", collection: "app.overlap.slotOffer", value: without(validSlotOffer, "createdAt"), field: "createdAt", lexiconCatches: true },
  { name: "missing constraints.tz", collection: "app.overlap.bookingRequest", value: withConstraints({ tz: undefined }), field: "constraints.tz", lexiconCatches: true },
  { name: 'days "funday"', collection: "app.overlap.bookingRequest", value: withConstraints({ days: ["monday", "funday"] }), field: "constraints.days.1", lexiconCatches: true },
  { name: "booking status not in enum", collection: "app.overlap.booking", value: { ...validBooking, status: "pending" }, field: "status", lexiconCatches: true },
  { name: "end before start", collection: "app.overlap.slotOffer", value: { ...validSlotOffer, end: "2026-03-02T08:00:00.000Z" }, field: "end", lexiconCatches: false },
  { name: "end equal to start", collection: "app.overlap.slotOffer", value: { ...validSlotOffer, end: validSlotOffer.start }, field: "end", lexiconCatches: false },
  { name: 'unknown tz "Mars/Olympus"', collection: "app.overlap.slotOffer", value: { ...validSlotOffer, tz: "Mars/Olympus" }, field: "tz", lexiconCatches: false },
  { name: "offset instead of a zone name", collection: "app.overlap.slotOffer", value: { ...validSlotOffer, tz: "+05:00" }, field: "tz", lexiconCatches: false },
  { name: "durationMin > durationMax", collection: "app.overlap.bookingRequest", value: withConstraints({ durationMin: 90, durationMax: 60 }), field: "constraints.durationMax", lexiconCatches: false },
  { name: "latest before earliest", collection: "app.overlap.bookingRequest", value: withConstraints({ latest: "2026-03-01T18:00:00+01:00" }), field: "constraints.latest", lexiconCatches: false },
  { name: "unknown constraints.tz", collection: "app.overlap.bookingRequest", value: withConstraints({ tz: "Mars/Olympus" }), field: "constraints.tz", lexiconCatches: false }
]
