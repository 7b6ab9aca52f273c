/** The built files the demo runs, next to dist/demo.js: the CLI and the workers' child. */
import { fileURLToPath } from 'node:url'

export const cliPath = fileURLToPath(new URL('./cli.js', import.meta.url))
export const childPath = fileURLToPath(new URL('./demo-worker.js', import.meta.url))
