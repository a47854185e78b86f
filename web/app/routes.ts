import { index, route, type RouteConfig } from "@react-router/dev/routes"

export default [
  index("routes/home.tsx"),
  route("signin", "routes/signin.tsx"),
  // the console (signed in): the inbox
  route("app", "routes/console.tsx"),
  route("app/availability", "routes/availability.tsx"),
  route("app/rules", "routes/rules.tsx"),
  route("app/calendars", "routes/calendars.tsx"),
  route("app/settings", "routes/settings.tsx"),
  route("app/account", "routes/account.tsx"),
  route("app/account/resolve-handle", "routes/accountResolve.ts"),
  // "/@alice.example.com": the booking page (a path segment starting with "@"; anything else is the 404 page)
  route(":profile", "routes/booking.tsx"),
  route("*", "routes/notFound.tsx")
] satisfies RouteConfig
