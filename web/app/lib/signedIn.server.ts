import { redirect } from "react-router"
import { XrpcError } from "./xrpc"

const SIGNED_OUT = new Set(["AuthMissing", "SessionInvalid", "AccountRequired"])

/** A console page's loader call: a visitor without a (live) session goes to sign in and comes back to `path`. */
export const orSignIn = async <T>(path: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call()
  } catch (error) {
    if (error instanceof XrpcError && (SIGNED_OUT.has(error.error) || error.status === 401)) throw redirect(`/signin?${new URLSearchParams({ returnTo: path })}`)
    throw error
  }
}
