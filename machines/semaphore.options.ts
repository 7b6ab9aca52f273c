/** `SemaphoreOptions` (Go's `api.SemaphoreOptions`). (Being written.) */
import type { Duration } from '../src/consul/duration.js'
import type { KVValueInput } from '../src/consul/types.js'

export interface SemaphoreOptions {
  prefix: string
  limit: number
  value?: KVValueInput
  session?: string
  sessionName?: string
  sessionTTL?: Duration
  monitorRetries?: number
  monitorRetryTime?: Duration
  semaphoreWaitTime?: Duration
  semaphoreTryOnce?: boolean
}
