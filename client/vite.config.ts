/**
 * Builds the web client (`index.html`, Lit) and the offline GraphiQL IDE (`graphiql/index.html`,
 * React) into `dist/client`, which the api serves at `/` and `/graphiql/`
 * (see `src/http/static.ts`). Everything is bundled: no request leaves the server's origin.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  build: {
    outDir: here('../dist/client'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    rollupOptions: {
      input: {
        main: here('index.html'),
        graphiql: here('graphiql/index.html'),
      },
      // GraphiQL's React dependencies carry "use client" directives, meaningless in a bundle.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  // GraphiQL's Monaco editor runs language services in module workers.
  worker: { format: 'es' },
  logLevel: 'warn',
});
