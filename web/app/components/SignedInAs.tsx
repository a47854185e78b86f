import { useState } from "react"
import type { OutputSchema as Who } from "../../../src/lexicon/types/app/overlap/account/getSession"
import { dateTimeLabel } from "../lib/time"

/** One identifier with a button that copies it; the result is announced (aria-live), and the text stays selectable. */
function Copyable({ id, label, value }: { readonly id: string; readonly label: string; readonly value: string }) {
  const [copied, setCopied] = useState<string | undefined>(undefined)
  const copy = () =>
    navigator.clipboard.writeText(value).then(
      () => setCopied(`${label} copied`),
      () => setCopied(`Could not copy: select the ${label.toLowerCase()} and copy it yourself`)
    )
  return (
    <div className="row" style={{ alignItems: "center" }}>
      <p style={{ margin: "4px 0", flex: "1 1 220px", minWidth: 0 }}>
        <span className="muted">{label}: </span>
        <code id={id} style={{ overflowWrap: "anywhere" }}>
          {value}
        </code>
      </p>
      <button type="button" className="secondary" style={{ flex: "0 0 auto" }} aria-describedby={id} onClick={() => void copy()}>
        Copy {label.toLowerCase()}
      </button>
      <span role="status" aria-live="polite" className="muted" style={{ flex: "1 1 100%" }}>
        {copied ?? ""}
      </span>
    </div>
  )
}

/**
 * Who this browser is signed in as (app.overlap.account.getSession): the handle — only when it verifies both ways,
 * otherwise said plainly — and the DID, each copyable, with when this session began and when it ends at the latest.
 */
export function SignedInAs({ who, zone }: { readonly who: Who; readonly zone: string }) {
  return (
    <section aria-labelledby="signed-in-as">
      <h2 id="signed-in-as">Signed in as</h2>
      {who.handle !== undefined ? (
        <Copyable id="account-handle" label="Handle" value={`@${who.handle}`} />
      ) : (
        <p className="muted">Your handle could not be verified right now (it must point back to your DID); you are known by your DID.</p>
      )}
      <Copyable id="account-did" label="DID" value={who.did} />
      {who.signedInAt !== undefined && (
        <p className="muted">
          Signed in on this browser {dateTimeLabel(who.signedInAt, zone)}
          {who.expiresAt !== undefined ? `; you will be asked to sign in again by ${dateTimeLabel(who.expiresAt, zone)}` : ""}.
        </p>
      )}
    </section>
  )
}
