// A PKCS#11 module that stops answering, on the real card stack: pcscd stopped (SIGSTOP) with an
// operator logged in through OpenSC, so that C_GetSlotList and C_Finalize block inside the
// module. The console's stop (logout, then closing the card service) finishes within its bound
// and reports CARD_MODULE_UNRESPONSIVE; a call that blocks ends the session as removal does; the
// module's process dies with the console, reaches nothing but its IPC channel, and never sees the
// PIN on its command line or in its environment.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CardService } from '../../../electron/main/card/card-service';
import { HOST_ENVIRONMENT } from '../../../electron/main/card/pkcs11-client';
import { OperatorAuth } from '../../../electron/main/card/operator-auth';
import type { ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import { OPENSC_MODULE, startOpenscFixture, type OpenscFixture } from '../../support/virtual-piv/fixture';
import { writeProvisioned } from '../../support/virtual-piv/provisioned';

const LABELS = ['ARX TEST ADAMS EC'];
const READER = 'ARX Virtual PIV 00 00';
/** Short deadlines, so that the test waits seconds rather than the product's defaults. */
const DEADLINES = { getSlots: 1_500, getTokenInfo: 1_500, logout: 1_500, closeSession: 1_500, finalize: 1_500 };
let fx: OpenscFixture;
let provisioned: ProvisionedTestCards;
let dir: string;
const services: CardService[] = [];

beforeAll(async () => {
  fx = await startOpenscFixture(LABELS.map((label) => ({ label })));
  dir = mkdtempSync(join(tmpdir(), 'arx-unresponsive-'));
  provisioned = await writeProvisioned(dir, fx, LABELS);
}, 240_000);

afterEach(async () => {
  // pcscd runs again whatever a test did, and every service of the test is closed.
  process.kill(fx.stack.pid, 'SIGCONT');
  await Promise.all(services.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await fx?.stack.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openService(): Promise<CardService> {
  const s = await CardService.open({ modulePath: OPENSC_MODULE, pollIntervalMs: 250, deadlines: DEADLINES });
  services.push(s);
  return s;
}

function operatorAuth(service: CardService): OperatorAuth {
  const trust = loadTrustStore({
    anchors: provisioned.trustAnchors,
    intermediates: provisioned.intermediates,
    crls: provisioned.crls,
  });
  const card = provisioned.cards[0]!;
  return new OperatorAuth({
    backend: async () => service,
    trustStore: () => trust,
    policy: { policyArcs: [provisioned.policyArc] },
    findOperator: async (edipi) =>
      edipi === card.edipi
        ? {
            operatorId: `op-${edipi}`,
            displayName: card.displayName,
            status: 'active',
            roles: card.roles.map((role) => ({ tenantId: 't1', tenant: 'alpha', role })),
          }
        : null,
    audit: async () => {},
    idleLockMs: 600_000,
  });
}

async function loginAdams(auth: OperatorAuth, pin = '123456'): Promise<OperatorSession> {
  for (const deadline = Date.now() + 10_000; ;) {
    const r = (await auth.readers()).find((x) => x.description === READER && x.tokenPresent);
    if (r) return auth.login({ slot: r.slot, certificateId: null, pin, confirmFinalTry: false });
    if (Date.now() > deadline) throw new Error(`no card in ${READER}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return false;
  }
};
async function gone(pid: number, withinMs: number): Promise<number> {
  const t0 = performance.now();
  while (alive(pid)) {
    if (performance.now() - t0 > withinMs) throw new Error(`process ${pid} still alive after ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

/** Inodes of the listening sockets of this network namespace (unix: __SO_ACCEPTCON; TCP: state LISTEN). */
function listeningInodes(): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 7 && (parseInt(f[3]!, 16) & 0x10000) !== 0) out.add(f[6]!);
  }
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length >= 10 && f[3] === '0A') out.add(f[9]!);
    }
  }
  return out;
}

describe('a PKCS#11 module that stops answering', () => {
  it("the console's stop finishes within its bound and reports CARD_MODULE_UNRESPONSIVE", async () => {
    const service = await openService();
    const auth = operatorAuth(service);
    await loginAdams(auth);
    const pid = service.modulePid!;
    process.kill(fx.stack.pid, 'SIGSTOP');
    // What ConsoleServices.stop does with the card: log the operator out, close the card service.
    const t0 = performance.now();
    await auth.close();
    const problem = await service.close();
    const took = performance.now() - t0;
    // Whichever call blocked first (the removal poll's C_GetSlotList, C_Logout, C_Finalize) ended it.
    expect(problem).toBeInstanceOf(ArxFailure);
    expect(problem).toMatchObject({ code: 'CARD_MODULE_UNRESPONSIVE' });
    expect(problem!.message).toMatch(/^The card module did not answer C_\w+ within 1\.5 s; its process was stopped\.$/);
    // At most C_Logout and C_Finalize (1.5 s each), and the kill: well under 10 s.
    expect(took).toBeLessThan(10_000);
    expect(auth.session()).toBeNull();
    await gone(pid, 3_000);
  }, 120_000);

  it('a call that blocks ends the session as removal does; the next call starts the module again', async () => {
    const service = await openService();
    const auth = operatorAuth(service);
    await loginAdams(auth);
    const card = auth.activeCard()!;
    const pid = service.modulePid!;
    const changes: (OperatorSession | null)[] = [];
    auth.on('changed', (s) => changes.push(s));
    process.kill(fx.stack.pid, 'SIGSTOP');
    const t0 = performance.now();
    const err = await service.listSlots().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'CARD_MODULE_UNRESPONSIVE' });
    expect((err as ArxFailure).message).toMatch(/did not answer C_GetSlotList within 1\.5 s/);
    expect(performance.now() - t0).toBeLessThan(6_000);
    // Locked the way a pulled card locks it: the card session and what it unlocked are gone.
    await expect.poll(() => auth.session()?.locked, { timeout: 5_000 }).toBe(true);
    expect(auth.session()!.lockReason).toBe('card-removed');
    expect(auth.activeCard()).toBeNull();
    expect(card.isOpen).toBe(false);
    expect(changes.at(-1)).toMatchObject({ locked: true });
    const refused = await card.signWithLoginKey!(new Uint8Array(32)).catch((e: unknown) => e);
    expect((refused as ArxFailure).code).toMatch(/^CARD_(REMOVED|SESSION_CLOSED)$/);
    await gone(pid, 3_000);
    // pcscd back: a new process loads the module again, and the operator unlocks with the card.
    process.kill(fx.stack.pid, 'SIGCONT');
    await expect
      .poll(async () => (await service.listSlots().catch(() => [])).some((s) => s.description === READER && s.token), {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(true);
    expect(service.modulePid).not.toBe(pid);
    const resumed = await auth.unlock('123456');
    expect(resumed.locked).toBe(false);
    await auth.logout();
  }, 120_000);

  it("the module's process dies with the console, even while it is blocked in the module", async () => {
    // A console process of its own (this one must stay alive), with a call blocked in C_GetSlotList.
    const script = `
      import { CardService } from ${JSON.stringify(new URL('../../../electron/main/card/card-service.ts', import.meta.url).href)};
      const s = await CardService.open({ modulePath: ${JSON.stringify(OPENSC_MODULE)} });
      console.log(String(s.modulePid));
      setInterval(() => {}, 1000);
      process.stdin.once('data', () => void s.listSlots().catch(() => {}));
      process.stdin.resume();`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: process.env,
    });
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        let out = '';
        parent.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(Number(out.trim()));
        });
        parent.once('exit', (code) => reject(new Error(`console process exited early (${code})`)));
      });
      process.kill(fx.stack.pid, 'SIGSTOP');
      parent.stdin!.write('go\n');
      // Blocked in the module's worker thread: the default deadline (10 s) is far off.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(alive(pid)).toBe(true);
      parent.kill('SIGKILL');
      expect(await gone(pid, 5_000)).toBeLessThan(5_000);
    } finally {
      parent.kill('SIGKILL');
    }
  }, 120_000);

  it('the module process has a minimal environment, no PIN anywhere readable, and no listening socket', async () => {
    const lang = process.env.LANG;
    process.env.ARX_TEST_PARENT_SECRET = 'parent-only-4711';
    process.env.LANG = 'C.UTF-8';
    try {
      const service = await openService();
      const auth = operatorAuth(service);
      await loginAdams(auth, '123456');
      const pid = service.modulePid!;
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      // Node's fork adds the IPC channel's descriptor and serialisation to the initial environment.
      const allowed = [...HOST_ENVIRONMENT, 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE'];
      const names = environ.map((e) => e.slice(0, e.indexOf('=')));
      expect(names.filter((n) => !allowed.includes(n))).toEqual([]);
      expect(environ).toContain('LANG=C.UTF-8');
      expect(environ.join('\n')).not.toContain('4711');
      expect(environ.join('\n')).not.toContain('123456');
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain('123456');
      // Its sockets: the IPC pair and pcsc-lite's connection to pcscd; none listens for others.
      const sockets = readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            return '';
          }
        })
        .map((l) => /^socket:\[(\d+)\]$/.exec(l)?.[1])
        .filter((x): x is string => x !== undefined);
      expect(sockets.length).toBeGreaterThan(0);
      const listening = listeningInodes();
      expect(sockets.filter((i) => listening.has(i))).toEqual([]);
      await auth.logout();
    } finally {
      delete process.env.ARX_TEST_PARENT_SECRET;
      if (lang === undefined) delete process.env.LANG;
      else process.env.LANG = lang;
    }
  }, 120_000);
});
