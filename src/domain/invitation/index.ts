export { DID_PARAMETER, methodOf, PRODID, renderInvitation } from "./ics"
export {
  AttendeeStatus,
  BookingId,
  bookingUid,
  calendarAddress,
  EmailAddress,
  IanaZone,
  icsKey,
  Invitation,
  InvitationMethod,
  Participant,
  WebUrl
} from "./invitation"
