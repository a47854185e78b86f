"""Independent iMIP check for the tests: reads an iCalendar object from stdin with Debian's python3-icalendar
(not ical.js, which wrote it) and prints what a calendar app would act on, as JSON."""
import json
import sys

from icalendar import Calendar

cal = Calendar.from_ical(sys.stdin.read())
events = [c for c in cal.walk() if c.name == "VEVENT"]


def address(prop):
    params = {k.upper(): str(v) for k, v in prop.params.items()}
    return {"value": str(prop), "params": params}


out = {
    "method": str(cal.get("METHOD")),
    "version": str(cal.get("VERSION")),
    "events": [],
}
for e in events:
    attendees = e.get("ATTENDEE")
    if attendees is not None and not isinstance(attendees, list):
        attendees = [attendees]
    out["events"].append({
        "uid": str(e.get("UID")),
        "sequence": int(e.get("SEQUENCE")),
        "status": str(e.get("STATUS")),
        "summary": str(e.get("SUMMARY")),
        "description": str(e.get("DESCRIPTION")) if e.get("DESCRIPTION") is not None else None,
        "location": str(e.get("LOCATION")) if e.get("LOCATION") is not None else None,
        "url": str(e.get("URL")) if e.get("URL") is not None else None,
        "dtstamp": e.decoded("DTSTAMP").isoformat(),
        "dtstart": e.decoded("DTSTART").isoformat(),
        "dtend": e.decoded("DTEND").isoformat(),
        "organizer": address(e.get("ORGANIZER")),
        "attendees": [address(a) for a in (attendees or [])],
        "hostDid": str(e.get("X-OVERLAP-HOST-DID")),
        "guestDid": str(e.get("X-OVERLAP-GUEST-DID")),
    })
print(json.dumps(out))
