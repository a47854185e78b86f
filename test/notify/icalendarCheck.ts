import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"

/** What python3-icalendar (Debian; .ci/apt-packages) reads from an iCalendar object. */
export interface CheckedCalendar {
  readonly method: string
  readonly version: string
  readonly events: ReadonlyArray<{
    readonly uid: string
    readonly sequence: number
    readonly status: string
    readonly summary: string
    readonly description: string | null
    readonly location: string | null
    readonly url: string | null
    readonly dtstamp: string
    readonly dtstart: string
    readonly dtend: string
    readonly organizer: { readonly value: string; readonly params: Record<string, string> }
    readonly attendees: ReadonlyArray<{ readonly value: string; readonly params: Record<string, string> }>
    readonly hostDid: string
    readonly guestDid: string
  }>
}

const script = fileURLToPath(new URL("./icalendarCheck.py", import.meta.url))

/** Parses with the independent reader (Debian's python3, where apt installs the module); throws (failing the test) when it cannot. */
export const checkWithPython = (ics: string): CheckedCalendar =>
  JSON.parse(execFileSync("/usr/bin/python3", [script], { input: ics, encoding: "utf8" })) as CheckedCalendar
