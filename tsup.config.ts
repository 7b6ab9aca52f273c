import { defineConfig } from 'tsup'

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      machines: 'machines/index.ts',
      devserver: 'src/devserver/index.ts',
      inspect: 'src/inspect/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
  },
  {
    // The CLI imports only the public entry modules (src/index.ts, src/devserver/index.ts).
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    target: 'node20',
  },
  {
    // `npm start`: the demo and the child its workers run under consul-lock (dist/cli.js).
    // It imports the public API, the devserver entry and the CLI's semaphore-holders reader.
    entry: { demo: 'src/demo/main.ts', 'demo-worker': 'src/demo/worker-child.ts' },
    format: ['esm'],
    // Two self-contained files: the child script loads nothing but itself.
    splitting: false,
    dts: false,
    sourcemap: true,
    target: 'node20',
  },
])
