export { LOCK_FLAG_VALUE, SEMAPHORE_FLAG_VALUE } from './flags.js'
