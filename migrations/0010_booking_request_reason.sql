-- Issue 12, item 1: a bookingRequest that Overlap declines says why, so the guest is not left with silence:
-- TooManyHolds (the guest already holds as many of the host's times as the host allows), RateLimited (the
-- guest's match budget is spent), NoSlotAvailable, InvalidConstraints, or the offer/tier refusal's name.
-- Set together with status by BookingRequestsRepo.setStatus; NULL for any other status. Conventions as in 0001.
ALTER TABLE booking_requests ADD COLUMN status_reason TEXT;
