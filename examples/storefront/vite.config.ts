import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The example storefront: a single-page app on its own origin that talks to the Shop API
// through @shop/client. `npm run storefront` (repository root) serves it on :5173;
// `npm run storefront:build` writes examples/storefront/dist, static files for any host
// (answer index.html for unknown paths: the app routes /product/…, /reset-password…).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  oxc: { jsx: { runtime: 'automatic' } },
  server: { port: 5173, host: 'localhost' },
  preview: { port: 5173, host: 'localhost' },
});
