import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is static: built once, served beside a config.json written by whoever hosts it
// (the local host, or the infrastructure program's upload to the storage static website).
const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  build: {
    outDir: path.resolve(here, '../dist/dashboard'),
    emptyOutDir: true,
    target: 'es2022',
    // No source maps ship: the deployed site would hand out the sources.
    sourcemap: false,
    // Two pages share the build: the operators' dashboard and the rooms page.
    rollupOptions: {
      input: {
        index: path.resolve(here, 'index.html'),
        rooms: path.resolve(here, 'rooms.html'),
      },
    },
  },
});
