import { MantineProvider } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { AppInfo } from '../../../shared/contract';
import { ConsentScreen } from '../consent/ConsentScreen';
import { OperatorGate } from '../login/OperatorGate';
import { callArx, type ArxError } from './arx-client';
import { StartupProblem } from './StartupProblem';
import { readStyleNonce } from './style-nonce';
import { cssVariablesResolver, theme } from './theme';

type Boot =
  | { state: 'loading' }
  | { state: 'failed'; error: ArxError }
  | { state: 'consent'; info: AppInfo }
  | { state: 'console'; info: AppInfo; acknowledgedAt: string | null };

/**
 * Asks main for the product info and whether this session already acknowledged the notice. Main
 * holds that state: a reload shows the console directly only if main says so.
 */
async function boot(): Promise<Boot> {
  const [info, session] = await Promise.all([
    callArx((arx) => arx.app.info({})),
    callArx((arx) => arx.session.state({})),
  ]);
  if (!info.ok) return { state: 'failed', error: info.error };
  // If the session state cannot be read, ask again: the safe default is the notice.
  if (session.ok && session.value.consentAcknowledged) {
    return { state: 'console', info: info.value, acknowledgedAt: session.value.acknowledgedAt };
  }
  return { state: 'consent', info: info.value };
}

function Screens() {
  const [screen, setScreen] = useState<Boot>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    void boot().then((b) => {
      if (live) setScreen(b);
    });
    return () => {
      live = false;
    };
  }, []);

  switch (screen.state) {
    case 'loading':
      return <StartupProblem error={null} />;
    case 'failed':
      return <StartupProblem error={screen.error} />;
    case 'consent':
      return (
        <ConsentScreen
          info={screen.info}
          onAcknowledged={(acknowledgedAt) => setScreen({ state: 'console', info: screen.info, acknowledgedAt })}
        />
      );
    case 'console':
      return <OperatorGate info={screen.info} acknowledgedAt={screen.acknowledgedAt} />;
  }
}

const styleNonce = readStyleNonce();

export function App() {
  return (
    <MantineProvider
      theme={theme}
      cssVariablesResolver={cssVariablesResolver}
      defaultColorScheme="auto"
      getStyleNonce={() => styleNonce}
    >
      <Screens />
    </MantineProvider>
  );
}
