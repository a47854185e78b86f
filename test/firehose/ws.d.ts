// `ws` comes with @atproto/pds (a dev dependency) without types; the suite needs only its server.
declare module "ws" {
  import type { IncomingMessage, Server } from "node:http"
  export interface WebSocket {
    send(data: string | Uint8Array): void
    close(code?: number, reason?: string): void
    terminate(): void
  }
  export class WebSocketServer {
    constructor(options: { server: Server; path?: string })
    readonly clients: Set<WebSocket>
    on(event: "connection", listener: (socket: WebSocket, request: IncomingMessage) => void): this
    close(callback?: () => void): void
  }
}
