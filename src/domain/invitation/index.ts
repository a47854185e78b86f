export { methodOf, PRODID, renderInvitation } from "./ics"
export {
  BookingId,
  bookingUid,
  calendarAddress,
  EmailAddress,
  IanaZone,
  icsKey,
  Invitation,
  InvitationMethod,
  Participant
} from "./invitation"
