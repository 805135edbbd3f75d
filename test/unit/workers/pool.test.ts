import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../../electron/main/workers/pool';
import type { EchoReply, EchoRequest } from './fixtures/echo-protocol';

const echo = { source: new URL('./fixtures/echo-worker.ts', import.meta.url), bundled: 'unused.mjs' };
const failing = { source: new URL('./fixtures/failing-worker.ts', import.meta.url), bundled: 'unused.mjs' };

const pools: WorkerPool<unknown, unknown>[] = [];
function pool(size: number, failureCode?: string, entry = echo): WorkerPool<EchoRequest, EchoReply> {
  const p = new WorkerPool<EchoRequest, EchoReply>(entry, { size, label: 'test', ...(failureCode && { failureCode }) });
  pools.push(p as WorkerPool<unknown, unknown>);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** OS threads of this process (Linux), to see that closed workers are gone and not merely unref'd. */
const osThreads = () => readdirSync('/proc/self/task').length;
const exited = (p: WorkerPool<EchoRequest, EchoReply>) =>
  p.running().map((w) => new Promise<number>((resolve) => w.thread.once('exit', resolve)));

describe('the worker module', () => {
  it('handshake: a worker reports ready after its start-up; calls sent before are answered after it', async () => {
    const p = pool(1);
    const w = p.at(0);
    const early = w.call({ op: 'echo', value: 'early' });
    await w.ready;
    const reply = await early;
    expect(reply).toMatchObject({ op: 'echo', value: 'early' });
    expect((reply as { startedAt: number }).startedAt).toBeGreaterThan(0);
  });

  it('handshake: a worker whose start-up fails rejects ready and its calls with the code it gave', async () => {
    const p = pool(1, undefined, failing);
    const w = p.at(0);
    const call = w.call({ op: 'echo', value: 'x' });
    await expect(w.ready).rejects.toMatchObject({ code: 'TEST_START_FAILED' });
    await expect(call).rejects.toMatchObject({ code: 'TEST_START_FAILED' });
  });

  it('typed replies: a refusal keeps its code, a transferred buffer arrives whole, the worker stays up', async () => {
    const p = pool(1);
    await expect(p.call({ op: 'refuse' })).rejects.toMatchObject({
      code: 'TEST_REFUSED',
      message: 'refused on purpose',
    });
    const r = await p.call<Extract<EchoReply, { op: 'buffer' }>>({ op: 'buffer', size: 1 << 16 });
    expect(r.bytes.length).toBe(1 << 16);
    expect(r.bytes.every((b) => b === 7)).toBe(true);
    expect(p.at(0).failure).toBeNull();
  });

  it('dispatch: a call goes to the least busy worker', async () => {
    const p = pool(2);
    await p.ready();
    void p.call({ op: 'hang' }).catch(() => {});
    expect([p.at(0).pending, p.at(1).pending]).toEqual([1, 0]);
    void p.call({ op: 'hang' }).catch(() => {});
    expect([p.at(0).pending, p.at(1).pending]).toEqual([1, 1]);
    p.at(1).hold();
    void p.call({ op: 'hang' }).catch(() => {});
    expect([p.at(0).pending, p.at(1).pending]).toEqual([2, 1]);
  });

  it('crash: a killed worker fails its pending calls with the pool’s code, and the pool replaces it', async () => {
    const p = pool(1, 'TEST_WORKER_FAILED');
    await p.ready();
    const first = p.at(0);
    const pending = [p.call({ op: 'hang' }), p.call({ op: 'hang' })].map((c) =>
      expect(c).rejects.toMatchObject({ code: 'TEST_WORKER_FAILED' }),
    );
    await first.thread.terminate();
    await Promise.all(pending);
    await expect(first.call({ op: 'echo', value: 'late' })).rejects.toMatchObject({ code: 'TEST_WORKER_FAILED' });
    expect(p.running()).toEqual([]);
    await expect(p.call({ op: 'echo', value: 'again' })).resolves.toMatchObject({ value: 'again' });
    const second = p.at(0);
    expect(second).not.toBe(first);
    expect(second.thread.threadId).not.toBe(first.thread.threadId);
  });

  it('shutdown: close fails pending calls with CANCELLED, every thread exits, nothing is left holding the process', async () => {
    const before = osThreads();
    const p = pool(2);
    await p.ready();
    expect(osThreads()).toBeGreaterThanOrEqual(before + 2);
    const exits = exited(p);
    const pending = expect(p.call({ op: 'hang' })).rejects.toMatchObject({ code: 'CANCELLED' });
    await p.close();
    await pending;
    expect(await Promise.all(exits)).toHaveLength(2);
    expect(p.running()).toEqual([]);
    expect(() => p.at(0)).toThrow(/closed/);
    await expect(p.call({ op: 'echo', value: 'x' })).rejects.toMatchObject({ code: 'CANCELLED' });
    // An exited worker's OS thread is joined shortly after its 'exit' event.
    for (let i = 0; i < 50 && osThreads() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(osThreads()).toBeLessThanOrEqual(before);
  });

  it('an idle pool does not keep the process alive (a process that used one exits without closing it)', () => {
    const pool = new URL('../../../electron/main/workers/pool.ts', import.meta.url).href;
    const script = `
      const { WorkerPool } = await import(${JSON.stringify(pool)});
      const entry = { source: new URL(${JSON.stringify(echo.source.href)}), bundled: 'unused.mjs' };
      const p = new WorkerPool(entry, { size: 2, label: 't' });
      await p.ready();
      const r = await p.call({ op: 'echo', value: 'bye' });
      console.log(r.value);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect([r.signal, r.status, r.stdout.trim()]).toEqual([null, 0, 'bye']);
  }, 70_000);
});
