import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { AppProvider } from './ui/state';
import { App } from './ui/App';
import './styles.css';

// The polkadot crypto (sr25519, address checks) must be ready before any key is used.
cryptoWaitReady().then(() => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <AppProvider>
        <App />
      </AppProvider>
    </StrictMode>,
  );
}).catch(e => {
  document.getElementById('root')!.textContent = `This browser cannot run SMRMS: ${(e as Error).message}`;
});
