import '@mantine/core/styles.css';
import { setNonce } from 'get-nonce';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { readStyleNonce } from './app/style-nonce';
import { installOverlayLayer } from './shell/overlay-layer';

// The CSP admits <style> elements only with this response's nonce. Mantine gets it through
// MantineProvider's getStyleNonce (App.tsx); the scroll lock of Modal and Drawer
// (react-remove-scroll → react-style-singleton) writes its <style> with get-nonce's nonce. Set
// before the first render, so that no dialog needs lockScroll={false}.
setNonce(readStyleNonce());
installOverlayLayer();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
