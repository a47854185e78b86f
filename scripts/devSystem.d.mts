export declare const DEV_PORTS: { readonly plc: number; readonly pds: number; readonly graph: number; readonly chat: number; readonly receiver: number; readonly wrangler: number }
export declare const WORKER_PORTS: ReadonlyArray<number>
export declare const devUrls: { readonly webUrl: string; readonly appviewUrl: string; readonly firehoseUrl: string; readonly pdsUrl: string; readonly receiverUrl: string; readonly chatUrl: string; readonly wranglerUrl: string }
export declare const allDevPorts: () => ReadonlyArray<number>
export declare const portInUse: (port: number) => Promise<boolean>
export interface DevSystem {
  readonly stop: () => Promise<void>
  readonly output: () => string
}
export declare const startDevSystem: (options?: { vars?: Record<string, string>; readyTimeoutMs?: number }) => Promise<DevSystem>
