import { defineConfig } from 'vite';

// Built by `npm run build` (from the repository root) into dist/admin, served by the API
// server under /admin/. `npm run admin:dev` serves it with the API proxied to :3000.
export default defineConfig({
  root: 'admin',
  base: '/admin/',
  publicDir: false,
  build: {
    outDir: '../dist/admin',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // No inline scripts: the server's CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  oxc: { jsx: { runtime: 'automatic' } },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
