import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Relative base: the built app works from any folder it is served from.
// suite.json and contracts/*.contract are fetched at runtime beside index.html.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
