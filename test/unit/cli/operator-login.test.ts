import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/main/cli/arx';
import { refuseUnlessDemo } from '../../../electron/main/cli/card-commands';
import type { CliIo } from '../../../electron/main/cli/cli-command';
import { pinFieldPath, readPin, refusePinInRequest } from '../../../electron/main/cli/operator-login';
import { loadConfig } from '../../../electron/main/config/config';

const work = mkdtempSync(join(tmpdir(), 'arx-cli-unit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { HOME: work, ARX_DATA_DIR: join(work, 'data'), ...env },
    readStdin: async () => '',
  });
  return { code, out, err };
}

describe('a PIN given in --request', () => {
  it('is found under any name a PIN field has, at any depth', () => {
    expect(pinFieldPath({ tenantId: 'x', pin: '1' })).toBe('pin');
    expect(pinFieldPath({ a: { newPin: '1' } })).toBe('a.newPin');
    expect(pinFieldPath({ list: [{ so_pin: '1' }] })).toBe('list[0].so_pin');
    expect(pinFieldPath({ PIN: '1' })).toBe('PIN');
    expect(pinFieldPath({ pinned: true, spinner: 1, tenantId: 'x' })).toBeNull();
    expect(() => refusePinInRequest({ pin: '1' })).toThrow(/\/proc\/PID\/cmdline/);
  });

  it('is refused with CLI_PIN_IN_ARGUMENTS for every command, before a control plane or card is touched', async () => {
    for (const [cmd, request] of [
      ['card login', { slot: '0', certificateId: null, pin: '123456', confirmFinalTry: false }],
      ['review sign', { draftId: '00000000-0000-4000-8000-000000000000', pin: '123456' }],
      ['policy validate', { text: '', pin: '123456' }],
    ] as const) {
      const r = await run([...cmd.split(' '), '--request', JSON.stringify(request)], {
        ARX_DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none',
      });
      expect(r.code, cmd).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(/^CLI_PIN_IN_ARGUMENTS: --request names a PIN \(pin\)/);
    }
  });
});

describe('the login PIN', () => {
  const io = (over: Partial<CliIo>): CliIo => ({
    out: () => {},
    err: () => {},
    env: {},
    readStdin: async () => '',
    ...over,
  });

  it('comes from --pin-stdin, ARX_PIN or the terminal; otherwise CARD_PIN_REQUIRED saying how to give it', async () => {
    await expect(readPin(io({ readStdin: async () => '4321\n' }), true)).resolves.toBe('4321');
    await expect(readPin(io({ env: { ARX_PIN: '8765' } }), false)).resolves.toBe('8765');
    await expect(readPin(io({ promptSecret: async () => '1111' }), false)).resolves.toBe('1111');
    await expect(readPin(io({}), false)).rejects.toMatchObject({
      code: 'CARD_PIN_REQUIRED',
      message: expect.stringContaining('never taken as an argument'),
    });
  });

  it('is asked before anything else: a card command without one stops at once', async () => {
    const r = await run(['chain', 'verify', '--tenant', 'alpha-command', '--token', 'X'], {
      ARX_DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none',
    });
    expect(r.code).toBe(2);
    expect(r.err).toEqual([expect.stringMatching(/^CARD_PIN_REQUIRED: /)]);
  });
});

describe('arx card provision-test', () => {
  it('is allowed on the embedded demo and with no control plane, refused on any other', () => {
    const cfg = (env: Record<string, string>) => loadConfig({ HOME: work, ARX_DATA_DIR: join(work, 'd'), ...env });
    expect(() => refuseUnlessDemo(cfg({}))).not.toThrow();
    expect(() => refuseUnlessDemo(cfg({ ARX_CONTROL_PLANE: 'none' }))).not.toThrow();
    expect(() => refuseUnlessDemo(cfg({ ARX_DATABASE_URL: 'postgres://a:b@127.0.0.1:5432/arx' }))).toThrow(
      expect.objectContaining({ code: 'PROVISION_NOT_DEMO' }),
    );
    expect(() => refuseUnlessDemo(cfg({ ARX_TRUST_ANCHORS: work }))).toThrow(
      expect.objectContaining({ code: 'PROVISION_NOT_DEMO' }),
    );
  });

  it('with trust anchors configured it makes no cards and starts no database', async () => {
    const dir = join(work, 'cards');
    const r = await run(['card', 'provision-test', '--dir', dir], { ARX_TRUST_ANCHORS: work });
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/^PROVISION_NOT_DEMO: .*configured with trust anchors/);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(work, 'data'))).toBe(false);
  });
});
