import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  ArxFailure,
  COMMAND_NAMES,
  ROLES,
  commands,
  ipcChannelOf,
  type CommandName,
  type OperatorSession,
  type Result,
} from '../../../shared/contract';
import { registerIpcAdapter, type IpcInvokeEvent, type IpcMainPort } from '../../../electron/main/app/ipc-adapter';
import { attachBridge } from '../../../electron/main/bridge/chromium-bridge';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { createRegistry, type ConsoleSession, type Handlers } from '../../../electron/main/core/registry';
import { BRIDGE_ORIGIN } from '../../../electron/main/shell/renderer-assets';
import { operatorSession, sampleTenant } from '../../support/operator-session';
import { SAMPLE_FOLDERS } from '../../support/sample-files';
import { VALID_REQUESTS } from '../../support/valid-requests';

/**
 * The registry's access table (test/unit/contract/access.test.ts) seen through the adapters a
 * person uses: the window (Electron IPC, sender checked, one console session per window) and the
 * Chromium bridge (an exposed binding for the console's own page). For every command: nobody
 * logged in → SESSION_REQUIRED unless declared public; roles that do not qualify → ROLE_REQUIRED;
 * the handler never runs. The adapters add no path around the declaration. The CLI, the third
 * adapter, has the same table in cli-access.test.ts.
 */
type Invoke = (name: CommandName, request: unknown) => Promise<Result<unknown>>;

function servicesAs(operator: OperatorSession | null): { services: ConsoleServices; calls: string[] } {
  const calls: string[] = [];
  const handlers = Object.fromEntries(
    COMMAND_NAMES.map((n) => [
      n,
      () => {
        calls.push(n);
        throw new ArxFailure('NOT_FOUND', 'spy');
      },
    ]),
  ) as unknown as Handlers;
  const registry = createRegistry(handlers, () => {}, { operator: () => operator, folders: SAMPLE_FOLDERS });
  const services = { registry, hub: { subscribe: () => () => {} } } as unknown as ConsoleServices;
  return { services, calls };
}

/** A window: a fake ipcMain and one trusted window attached, its notice accepted. */
function viaIpc(services: ConsoleServices): Invoke {
  const handlers = new Map<string, (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainPort = { handle: (c, l) => void handlers.set(c, l), removeHandler: (c) => handlers.delete(c) };
  const adapter = registerIpcAdapter(ipcMain, services);
  const contents = {
    id: 7,
    mainFrame: { url: 'app://arx/' },
    send: () => {},
    isDestroyed: () => false,
    once: () => {},
  };
  accept(adapter.attach(contents));
  const event: IpcInvokeEvent = { sender: { id: 7 }, senderFrame: { url: 'app://arx/', parent: null } };
  return async (name, request) => (await handlers.get(ipcChannelOf(name))!(event, request)) as Result<unknown>;
}

/** The bridge: a fake browser context whose console page calls the exposed binding from its main frame. */
async function viaBridge(services: ConsoleServices): Promise<Invoke> {
  let binding: ((source: unknown, name: unknown, request: unknown) => Promise<unknown>) | null = null;
  const frame = { url: () => `${BRIDGE_ORIGIN}/` };
  const page = { opener: async () => null, mainFrame: () => frame, close: async () => {} };
  const context = {
    pages: () => [page],
    newPage: async () => page,
    on: () => {},
    off: () => {},
    route: async () => {},
    addInitScript: async () => {},
    exposeBinding: async (_name: string, fn: typeof binding) => void (binding = fn),
  } as unknown as BrowserContext;
  const handle = await attachBridge(context, services, '/nonexistent');
  accept(handle.session);
  return async (name, request) => (await binding!({ page, frame }, name, request)) as Result<unknown>;
}

function accept(session: ConsoleSession): void {
  session.consentAcknowledgedAt = new Date();
}

const OTHER_TENANT = '99999999-9999-4999-8999-999999999999';
const ADAPTERS = [
  ['window (IPC)', async (s: ConsoleServices) => viaIpc(s)],
  ['bridge', viaBridge],
] as const;

for (const [adapter, open] of ADAPTERS) {
  describe(`access through the ${adapter}`, () => {
    it('nobody logged in: SESSION_REQUIRED for every command not declared public; public ones run', async () => {
      const { services, calls } = servicesAs(null);
      const invoke = await open(services);
      const got: Record<string, string> = {};
      for (const name of COMMAND_NAMES) {
        const before = calls.length;
        const r = await invoke(name, VALID_REQUESTS[name]);
        got[name] = calls.length > before ? 'ran' : r.ok ? 'ok' : r.error.code;
      }
      const expected = Object.fromEntries(
        COMMAND_NAMES.map((n) => [n, commands[n].access.session === 'none' ? 'ran' : 'SESSION_REQUIRED']),
      );
      expect(got).toEqual(expected);
    });

    it('roles that do not qualify (qualifying ones only in another tenant): ROLE_REQUIRED, handler not run', async () => {
      const gated = COMMAND_NAMES.filter((n) => {
        const a = commands[n].access;
        return a.session !== 'none' && a.roles;
      });
      expect(gated.length).toBeGreaterThan(10);
      for (const name of gated) {
        const access = commands[name].access as { roles: readonly string[] };
        const tenant = sampleTenant(name);
        const others = ROLES.filter((r) => !access.roles.includes(r));
        const grants = [
          ...others.map((role) => ({ tenantId: tenant ?? OTHER_TENANT, role })),
          ...(tenant === null ? [] : access.roles.map((role) => ({ tenantId: OTHER_TENANT, role }))),
        ] as { tenantId: string; role: (typeof ROLES)[number] }[];
        const { services, calls } = servicesAs(operatorSession(grants));
        const r = await (await open(services))(name, VALID_REQUESTS[name]);
        expect({ name, code: r.ok ? 'ok' : r.error.code, ran: calls.length }).toEqual({
          name,
          code: 'ROLE_REQUIRED',
          ran: 0,
        });
      }
    });
  });
}
