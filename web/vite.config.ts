import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Relative base: the built app works from any folder it is served from.
// suite.json and contracts/*.contract are fetched at runtime beside index.html.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        // separate, cacheable chunks: the chain library, the crypto, React
        codeSplitting: {
          groups: [
            { name: 'polkadot', test: /node_modules[\\/](@polkadot[\\/](?!keyring)|@substrate|@polkadot-api|bn\.js|eventemitter3|mock-socket|nock|@scure[\\/]base)/ },
            { name: 'crypto', test: /node_modules[\\/](@hpke|@noble|@scure)/ },
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
          ],
        },
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
