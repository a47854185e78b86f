import { DOMParser, type Element, onErrorStopParsing } from "@xmldom/xmldom"

/**
 * WebDAV / CalDAV XML: the request bodies Overlap sends and a namespace-aware reading of 207 Multi-Status
 * answers (servers pick their own prefixes — "d:", "D:", a default namespace — so elements are matched by
 * namespace URI and local name, never by prefix).
 */

export const DAV = "DAV:"
export const CALDAV = "urn:ietf:params:xml:ns:caldav"
export const CALENDARSERVER = "http://calendarserver.org/ns/"

const XML_DECLARATION = `<?xml version="1.0" encoding="utf-8"?>`

export const propfindCurrentUserPrincipal =
  `${XML_DECLARATION}<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>`

export const propfindCalendarHome =
  `${XML_DECLARATION}<d:propfind xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><c:calendar-home-set/></d:prop></d:propfind>`

export const propfindCalendars = `${XML_DECLARATION}<d:propfind xmlns:d="DAV:" xmlns:c="${CALDAV}" xmlns:cs="${CALENDARSERVER}">` +
  `<d:prop><d:resourcetype/><d:displayname/><c:supported-calendar-component-set/><c:calendar-timezone/>` +
  `<cs:getctag/><d:sync-token/></d:prop></d:propfind>`

/** iCalendar UTC date-time (RFC 5545 form-2), as CalDAV's time-range wants it. */
export const icalUtc = (instant: number): string => new Date(instant).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")

/** calendar-query REPORT for the VEVENTs that overlap [start, end) (RFC 4791 §7.8), with their data. */
export const calendarQueryEvents = (start: number, end: number): string =>
  `${XML_DECLARATION}<c:calendar-query xmlns:d="DAV:" xmlns:c="${CALDAV}">` +
  `<d:prop><d:getetag/><c:calendar-data/></d:prop>` +
  `<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">` +
  `<c:time-range start="${icalUtc(start)}" end="${icalUtc(end)}"/>` +
  `</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`

/** sync-collection REPORT (RFC 6578 §3.2): changes since `syncToken`, or every member when there is none. */
export const syncCollection = (syncToken: string | undefined): string =>
  `${XML_DECLARATION}<d:sync-collection xmlns:d="DAV:">` +
  `<d:sync-token>${syncToken === undefined ? "" : escapeXmlText(syncToken)}</d:sync-token>` +
  `<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`

const escapeXmlText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

export interface Propstat {
  /** HTTP status of this propstat ("HTTP/1.1 200 OK" → 200). */
  readonly status: number
  readonly prop: Element
}

export interface MultistatusResponse {
  /** The resource's URL, resolved against the request URL. */
  readonly url: string
  /** The response-level status, when the server gave one instead of propstats (e.g. 404 for a member). */
  readonly status: number | undefined
  readonly propstats: ReadonlyArray<Propstat>
}

export class MalformedMultistatus extends Error {
  override readonly name = "MalformedMultistatus"
}

/** The element children of `parent` with this namespace and local name. */
export const childElements = (parent: Element, namespace: string, localName: string): Array<Element> => {
  const out: Array<Element> = []
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === 1) {
      const element = node as Element
      if (element.namespaceURI === namespace && element.localName === localName) out.push(element)
    }
  }
  return out
}

export const childElement = (parent: Element, namespace: string, localName: string): Element | undefined =>
  childElements(parent, namespace, localName)[0]

const statusCode = (element: Element | undefined): number | undefined => {
  const match = element?.textContent?.match(/^\s*HTTP\/\d(?:\.\d)?\s+(\d{3})/)
  return match ? Number(match[1]) : undefined
}

/** Parses a 207 body. Throws MalformedMultistatus when it is not XML or not a DAV:multistatus. */
export const parseMultistatus = (body: string, requestUrl: string): Array<MultistatusResponse> => {
  let root: Element | null
  try {
    root = new DOMParser({ onError: onErrorStopParsing }).parseFromString(body, "text/xml").documentElement
  } catch (error) {
    throw new MalformedMultistatus(`not XML: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`)
  }
  if (root === null || root.namespaceURI !== DAV || root.localName !== "multistatus") {
    throw new MalformedMultistatus("the body is not a DAV:multistatus")
  }
  return childElements(root, DAV, "response").flatMap((response) => {
    const href = childElement(response, DAV, "href")?.textContent?.trim()
    if (href === undefined || href === "") return []
    let url: string
    try {
      url = new URL(href, requestUrl).href
    } catch {
      return []
    }
    const propstats = childElements(response, DAV, "propstat").flatMap((propstat) => {
      const prop = childElement(propstat, DAV, "prop")
      return prop === undefined ? [] : [{ status: statusCode(childElement(propstat, DAV, "status")) ?? 200, prop }]
    })
    return [{ url, status: statusCode(childElement(response, DAV, "status")), propstats }]
  })
}

/** A property from the response's 200 propstat, if the server had it. */
export const foundProp = (response: MultistatusResponse, namespace: string, localName: string): Element | undefined => {
  for (const propstat of response.propstats) {
    if (propstat.status >= 200 && propstat.status < 300) {
      const element = childElement(propstat.prop, namespace, localName)
      if (element !== undefined) return element
    }
  }
  return undefined
}

/** The DAV:href values inside a property (current-user-principal, calendar-home-set), resolved. */
export const hrefsIn = (element: Element, baseUrl: string): Array<string> =>
  childElements(element, DAV, "href").flatMap((href) => {
    const text = href.textContent?.trim()
    if (!text) return []
    try {
      return [new URL(text, baseUrl).href]
    } catch {
      return []
    }
  })

/** The text of a property (displayname, getetag, calendar-data), or undefined. */
export const propText = (response: MultistatusResponse, namespace: string, localName: string): string | undefined => {
  const element = foundProp(response, namespace, localName)
  return element === undefined ? undefined : (element.textContent ?? "")
}

/** A sync-collection answer: the new token (a child of DAV:multistatus) and how many members it lists. */
export const parseSyncCollection = (body: string, requestUrl: string): { readonly syncToken: string | undefined; readonly members: number } => {
  const members = parseMultistatus(body, requestUrl).length
  const root = new DOMParser({ onError: onErrorStopParsing }).parseFromString(body, "text/xml").documentElement
  const token = root === null ? undefined : childElement(root, DAV, "sync-token")?.textContent?.trim()
  return { syncToken: token === undefined || token === "" ? undefined : token, members }
}
