import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ArxFailure } from '../../../shared/contract';
import { ChildHost } from '../../../electron/main/workers/child-host';
import type { ChildRequest } from './fixtures/echo-child';

const entry = { source: new URL('./fixtures/echo-child.ts', import.meta.url), bundled: 'unused.mjs' };
const hosts: ChildHost<ChildRequest, unknown>[] = [];

function host(env: Record<string, string> = {}): ChildHost<ChildRequest, unknown> {
  const h = new ChildHost<ChildRequest, unknown>(entry, {
    label: 'test child',
    failureCode: 'TEST_FAILED',
    unresponsiveCode: 'TEST_UNRESPONSIVE',
    env,
    startDeadlineMs: 60_000,
  });
  hosts.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.kill(new ArxFailure('CANCELLED', 'test over'))));
});

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

describe('a module in a child process', () => {
  it('answers in order, bytes as Uint8Array, refusals with their code', async () => {
    const h = host();
    const bytes = Uint8Array.of(1, 2, 3, 250);
    const [a, b] = await Promise.all([
      h.call({ op: 'echo', bytes }, 60_000, 'echo'),
      h.call({ op: 'refuse' }, 60_000, 'refuse').catch((e: unknown) => e),
    ]);
    expect(a).toEqual({ bytes, isUint8Array: true });
    expect(b).toBeInstanceOf(ArxFailure);
    expect(b).toMatchObject({ code: 'TEST_REFUSED', message: 'refused on purpose' });
  }, 90_000);

  it('gets only the environment it is given: no NODE_OPTIONS, no secret of the parent, nothing on its command line', async () => {
    process.env.ARX_TEST_PARENT_SECRET = 'parent-only-4711';
    try {
      const h = host({ ONLY_THIS: 'yes' });
      const { env, argv, execArgv } = (await h.call({ op: 'env' }, 60_000, 'env')) as {
        env: Record<string, string>;
        argv: string[];
        execArgv: string[];
      };
      expect(env.ONLY_THIS).toBe('yes');
      expect(env.ARX_TEST_PARENT_SECRET).toBeUndefined();
      expect(env.NODE_OPTIONS).toBeUndefined();
      expect(JSON.stringify([argv, execArgv])).not.toContain('4711');
      // What other local processes can read of it.
      const environ = readFileSync(`/proc/${h.pid}/environ`, 'utf8');
      expect(environ).not.toContain('4711');
      expect(readFileSync(`/proc/${h.pid}/cmdline`, 'utf8')).not.toContain('4711');
    } finally {
      delete process.env.ARX_TEST_PARENT_SECRET;
    }
  }, 90_000);

  it('a call past its deadline SIGKILLs the child, also one blocked the way a native call blocks', async () => {
    for (const op of ['hang', 'block'] as const) {
      const h = host();
      await h.ready;
      const pid = h.pid!;
      const queued = h.call({ op: 'echo', bytes: new Uint8Array(1) }, 60_000, 'echo');
      const t0 = performance.now();
      const stuck = h.call({ op }, 400, `the ${op}`).catch((e: unknown) => e);
      const later = h.call({ op: 'echo', bytes: new Uint8Array(1) }, 60_000, 'echo').catch((e: unknown) => e);
      void queued.catch(() => {});
      const err = (await stuck) as ArxFailure;
      const took = performance.now() - t0;
      expect(err).toBeInstanceOf(ArxFailure);
      expect(err.code).toBe('TEST_UNRESPONSIVE');
      expect(err.message).toContain(`did not answer the ${op} within 0.4 s`);
      expect(took).toBeGreaterThanOrEqual(390);
      expect(took).toBeLessThan(5_000);
      // A blocked main thread answers nothing after it; a hanging promise does not hold up the rest.
      if (op === 'block') expect(await later).toMatchObject({ code: 'TEST_UNRESPONSIVE' });
      else expect(await later).toMatchObject({ isUint8Array: true });
      await gone(pid, 3_000);
      await expect(h.call({ op: 'echo', bytes: new Uint8Array(1) }, 60_000, 'echo')).rejects.toMatchObject({
        code: 'TEST_UNRESPONSIVE',
      });
    }
  }, 120_000);

  it("a queued call's deadline runs from when the call before it was answered", async () => {
    const h = host();
    await h.ready;
    // Three calls of 300 ms each, sent at once, each allowed 1 s: together they take longer.
    const t0 = performance.now();
    const calls = [0, 1, 2].map(() => h.call({ op: 'sleep', ms: 300 }, 1_000, 'sleep'));
    await expect(Promise.all(calls)).resolves.toEqual([300, 300, 300]);
    expect(performance.now() - t0).toBeGreaterThan(900);
  }, 120_000);

  it('a child that dies fails its pending calls with the failure code', async () => {
    const h = host();
    await h.ready;
    const pending = h.call({ op: 'hang' }, 60_000, 'hang').catch((e: unknown) => e);
    process.kill(h.pid!, 'SIGKILL');
    expect(await pending).toMatchObject({
      code: 'TEST_FAILED',
      message: 'The test child process stopped: signal SIGKILL.',
    });
  }, 90_000);

  async function parentOfChild(mode: 'wait' | 'early') {
    const fixture = new URL('./fixtures/child-parent.ts', import.meta.url).pathname;
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      parent.once('exit', (code) =>
        code === 0 ? resolve(Number(out.trim())) : reject(new Error(`parent exited (${code})`)),
      );
    });
    return { parent, pid };
  }

  it('the child ends itself when its parent is killed', async () => {
    const { parent, pid } = await parentOfChild('wait');
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    expect(await gone(pid, 5_000)).toBeLessThan(5_000);
  }, 90_000);

  it('the child ends itself when its parent was gone before it had loaded', async () => {
    const { pid } = await parentOfChild('early');
    await gone(pid, 30_000);
  }, 90_000);
});
