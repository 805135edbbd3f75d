import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { COMMAND_NAMES, IPC_EVENT_CHANNEL, ipcChannelOf, type ArxApi } from '../../../shared/contract';
import {
  registerIpcAdapter,
  type IpcInvokeEvent,
  type IpcMainPort,
  type SenderFrame,
  type WindowContents,
} from '../../../electron/main/app/ipc-adapter';
import { loadConfig } from '../../../electron/main/config/config';
import { createConsoleServices, type ConsoleServices } from '../../../electron/main/composition/console-services';
import * as preload from '../../../electron/preload/arx-api';

/**
 * Electron IPC without Electron: a fake ipcMain and fake windows carry the calls the way Electron
 * does (a channel, an event with sender and senderFrame, structured-clone-able arguments), so
 * that the adapter and the preload's api are tested end to end over the real handler registry.
 */
class FakeIpcMain implements IpcMainPort {
  readonly handlers = new Map<string, (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

let nextId = 1;
class FakeWindow implements WindowContents {
  readonly id = nextId++;
  readonly mainFrame: SenderFrame = { url: 'app://arx/', parent: null };
  readonly sent: unknown[][] = [];
  private destroyed = false;
  private readonly onDestroyed: (() => void)[] = [];
  private readonly eventListeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
  constructor(private readonly ipcMain: FakeIpcMain) {}

  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
    for (const l of this.eventListeners.get(channel) ?? [])
      l({ sender: 'the IpcRendererEvent' }, ...structuredClone(args));
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  once(_event: 'destroyed', listener: () => void): void {
    this.onDestroyed.push(listener);
  }
  destroy(): void {
    this.destroyed = true;
    for (const l of this.onDestroyed) l();
  }
  navigate(url: string): void {
    (this.mainFrame as { url: string }).url = url;
  }

  /** What ipcRenderer would be in this window's preload; `frame` is who sends. */
  renderer(frame: () => SenderFrame | null = () => this.mainFrame): preload.IpcRendererPort {
    return {
      invoke: async (channel, ...args) => {
        const handler = this.ipcMain.handlers.get(channel);
        if (!handler) throw new Error(`Error invoking remote method '${channel}': No handler registered`);
        return structuredClone(
          await handler({ sender: { id: this.id }, senderFrame: frame() }, ...structuredClone(args)),
        );
      },
      on: (channel, listener) => {
        this.eventListeners.set(channel, [...(this.eventListeners.get(channel) ?? []), listener]);
      },
    };
  }
}

function setup(): {
  ipcMain: FakeIpcMain;
  services: ConsoleServices;
  adapter: ReturnType<typeof registerIpcAdapter>;
  log: string[];
} {
  const dataDir = mkdtempSync(join(tmpdir(), 'arx-ipc-'));
  const services = createConsoleServices(
    loadConfig({ ARX_CONTROL_PLANE: 'none', ARX_DATA_DIR: dataDir, HOME: dataDir }),
  );
  const ipcMain = new FakeIpcMain();
  const log: string[] = [];
  const adapter = registerIpcAdapter(ipcMain, services, (l) => log.push(l));
  return { ipcMain, services, adapter, log };
}

const statusPayload = {
  controlPlane: { state: 'connected', mode: 'external', detail: 'db.example.mil' },
  card: { state: 'no-card', detail: 'Insert a card' },
} as const;

describe('Electron IPC adapter', () => {
  it('registers exactly one arx:<command> handler per contract command', () => {
    const { ipcMain } = setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(COMMAND_NAMES.map((n) => `arx:${n}`).sort());
  });

  it('uses the same channel names as the preload: the contract’s', async () => {
    const { ipcMain } = setup();
    const sent: string[] = [];
    const port: preload.IpcRendererPort = {
      invoke: async (channel) => (sent.push(channel), { ok: true, value: null }),
      on: () => {},
    };
    const arx = preload.createPreloadApi(port) as unknown as Record<string, Record<string, (r: unknown) => unknown>>;
    for (const name of COMMAND_NAMES) {
      const [group, method] = name.split('.') as [string, string];
      await arx[group]![method]!({});
    }
    expect(sent).toEqual(COMMAND_NAMES.map(ipcChannelOf));
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...sent].sort());
  });

  it('answers a trusted window through the registry, with its own console session', async () => {
    const { ipcMain, adapter } = setup();
    const win = new FakeWindow(ipcMain);
    adapter.attach(win);
    const arx = preload.createPreloadApi(win.renderer());
    const info = await arx.app.info({});
    expect(info).toMatchObject({ ok: true, value: { product: 'ARX Console' } });
    expect(await arx.status.get({})).toMatchObject({ ok: false, error: { code: 'CONSENT_REQUIRED' } });
    expect(await arx.session.acknowledgeConsent({ accept: true })).toMatchObject({
      ok: true,
      value: { consentAcknowledged: true },
    });
    expect(await arx.status.get({})).toMatchObject({ ok: true });
  });

  it('keeps one session per window: consent in one window does not open another', async () => {
    const { ipcMain, adapter } = setup();
    const a = new FakeWindow(ipcMain);
    const b = new FakeWindow(ipcMain);
    const sa = adapter.attach(a);
    const sb = adapter.attach(b);
    expect(sa).not.toBe(sb);
    await preload.createPreloadApi(a.renderer()).session.acknowledgeConsent({ accept: true });
    expect(await preload.createPreloadApi(b.renderer()).settings.get({})).toMatchObject({
      ok: false,
      error: { code: 'CONSENT_REQUIRED' },
    });
    expect(sa.consentAcknowledged).toBe(true);
    expect(sb.consentAcknowledged).toBe(false);
  });

  it('validates requests at the boundary (INVALID_REQUEST, never an exception)', async () => {
    const { ipcMain, adapter } = setup();
    const win = new FakeWindow(ipcMain);
    adapter.attach(win);
    const arx = preload.createPreloadApi(win.renderer());
    const bad = await (arx.session.acknowledgeConsent as (r: unknown) => Promise<unknown>)({ accept: 'yes', extra: 1 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  });

  const untrusted: [string, (w: FakeWindow) => SenderFrame | null][] = [
    ['a subframe of the console', () => ({ url: 'app://arx/', parent: { url: 'app://arx/' } })],
    ['a foreign top frame', () => ({ url: 'https://evil.example/', parent: null })],
    ['a file: page', () => ({ url: 'file:///tmp/x.html', parent: null })],
    ['a destroyed frame', () => null],
    ['about:blank', () => ({ url: 'about:blank', parent: null })],
    ['another host on the app scheme', () => ({ url: 'app://evil/', parent: null })],
  ];

  it.each(untrusted)('refuses %s with UNTRUSTED_SENDER, before the handler runs', async (_name, frame) => {
    const { ipcMain, adapter, log } = setup();
    const win = new FakeWindow(ipcMain);
    const session = adapter.attach(win);
    const arx = preload.createPreloadApi(win.renderer(() => frame(win)));
    expect(await arx.session.acknowledgeConsent({ accept: true })).toEqual({
      ok: false,
      error: { code: 'UNTRUSTED_SENDER', message: 'Request from an untrusted frame was refused.' },
    });
    expect(session.consentAcknowledged).toBe(false);
    expect(log.join('\n')).toMatch(/refused arx:session\.acknowledgeConsent/);
  });

  it('refuses a WebContents that was never attached (e.g. a window it did not create)', async () => {
    const { ipcMain } = setup();
    const stranger = new FakeWindow(ipcMain);
    expect(await preload.createPreloadApi(stranger.renderer()).app.info({})).toMatchObject({
      ok: false,
      error: { code: 'UNTRUSTED_SENDER' },
    });
  });

  it('forgets a window once it is destroyed', async () => {
    const { ipcMain, adapter } = setup();
    const win = new FakeWindow(ipcMain);
    adapter.attach(win);
    const arx = preload.createPreloadApi(win.renderer());
    expect(await arx.app.info({})).toMatchObject({ ok: true });
    win.destroy();
    expect(await arx.app.info({})).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SENDER' } });
  });

  it('forwards hub events to console windows only, on arx:event', () => {
    const { ipcMain, adapter, services } = setup();
    const good = new FakeWindow(ipcMain);
    const strayed = new FakeWindow(ipcMain);
    const gone = new FakeWindow(ipcMain);
    for (const w of [good, strayed, gone]) adapter.attach(w);
    strayed.navigate('https://evil.example/');
    gone.destroy();
    services.hub.publish('status.changed', statusPayload);
    expect(good.sent).toEqual([['arx:event', 'status.changed', statusPayload]]);
    expect(strayed.sent).toEqual([]);
    expect(gone.sent).toEqual([]);
  });

  it('delivers events to subscribers without the IpcRendererEvent, and stops after unsubscribe', () => {
    const { ipcMain, adapter, services } = setup();
    const win = new FakeWindow(ipcMain);
    adapter.attach(win);
    const arx = preload.createPreloadApi(win.renderer());
    const seen: unknown[][] = [];
    const off = arx.subscribe('status.changed', (...args: unknown[]) => seen.push(args));
    services.hub.publish('status.changed', statusPayload);
    expect(seen).toEqual([[statusPayload]]);
    off();
    services.hub.publish('status.changed', statusPayload);
    expect(seen).toHaveLength(1);
  });

  it('dispose removes every handler and stops forwarding', async () => {
    const { ipcMain, adapter, services } = setup();
    const win = new FakeWindow(ipcMain);
    adapter.attach(win);
    adapter.dispose();
    expect(ipcMain.handlers.size).toBe(0);
    services.hub.publish('status.changed', statusPayload);
    expect(win.sent).toEqual([]);
    // A call after dispose is a lost IPC: the preload turns it into an envelope, not a throw.
    expect(await preload.createPreloadApi(win.renderer()).app.info({})).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    });
  });
});

describe('preload api (window.arx)', () => {
  const calls: unknown[][] = [];
  let eventListener: ((event: unknown, ...args: unknown[]) => void) | undefined;
  const port: preload.IpcRendererPort = {
    invoke: async (...args) => {
      calls.push(args);
      return { ok: true, value: 'echo' };
    },
    on: (channel, listener) => {
      if (channel === IPC_EVENT_CHANNEL) eventListener = listener;
    },
  };
  const arx: ArxApi = preload.createPreloadApi(port);

  it('has one named function per command and subscribe, and nothing else', () => {
    const names: string[] = [];
    for (const [group, value] of Object.entries(arx)) {
      if (typeof value === 'function') names.push(group);
      else
        for (const [method, fn] of Object.entries(value as object))
          names.push(typeof fn === 'function' ? `${group}.${method}` : `NOT A FUNCTION ${group}.${method}`);
    }
    expect(names.sort()).toEqual([...COMMAND_NAMES, 'subscribe'].sort());
  });

  it('exposes no IPC object: every reachable value is a named function or a frozen group of them', () => {
    const seen: unknown[] = [];
    const walk = (value: object) => {
      for (const key of Reflect.ownKeys(value)) {
        const v = (value as Record<PropertyKey, unknown>)[key];
        seen.push(v);
        if (typeof v === 'object' && v !== null) walk(v);
      }
    };
    walk(arx);
    expect(seen).not.toContain(port);
    expect(
      seen.every((v) => typeof v === 'function' || (typeof v === 'object' && v !== null && Object.isFrozen(v))),
    ).toBe(true);
    expect(Object.isFrozen(arx)).toBe(true);
  });

  it('sends each command on arx:<name> with the request, {} when none is given', async () => {
    calls.length = 0;
    await arx.app.info({});
    await (arx.session.state as unknown as () => Promise<unknown>)();
    expect(calls).toEqual([
      ['arx:app.info', {}],
      ['arx:session.state', {}],
    ]);
  });

  it.each(['status.change', '__proto__', 'constructor', 'toString', '', 'arx:event'])(
    'refuses to subscribe to %j',
    (name) => {
      expect(() => arx.subscribe(name as 'status.changed', () => {})).toThrow(TypeError);
    },
  );

  it('refuses a listener that is not a function', () => {
    expect(() => arx.subscribe('status.changed', 'alert(1)' as unknown as () => void)).toThrow(TypeError);
  });

  it('ignores unknown event names from the channel and survives a throwing listener', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const seen: unknown[] = [];
    arx.subscribe('status.changed', () => {
      throw new Error('listener bug');
    });
    arx.subscribe('status.changed', (p) => seen.push(p));
    eventListener!({}, 'not.an.event', 1);
    eventListener!({}, '__proto__', 1);
    eventListener!({}, 'status.changed', statusPayload);
    expect(seen).toEqual([statusPayload]);
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });
});
