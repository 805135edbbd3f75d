import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/main/cli/arx';
import type { CliIo } from '../../../electron/main/cli/cli-command';
import { clusterDirFor, runningPostmaster, startEmbeddedPostgres } from '../../../electron/main/controlplane/embedded';

/**
 * Set-up without dead ends: `arx reset` removes a data directory and the embedded cluster it owns
 * (asking first), a data directory deleted by hand is named as such rather than as a password
 * error, and Ctrl-C on `arx demo` leaves no database running and no temporary Chromium profile.
 */
const work = mkdtempSync(join(tmpdir(), 'arx-reset-'));
// Retries: the card worker may still be closing its token files for a moment after the demo exits.
afterAll(() => rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }));

function io(answer?: string): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (t) => lines.push(t),
    err: (t) => errors.push(t),
    readStdin: async () => '',
    env: {},
    ...(answer !== undefined ? { ask: async () => answer } : {}),
  };
}

/** A data directory as the embedded default leaves it (credentials and a cluster), without starting one. */
function fakeDataDir(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  mkdirSync(clusterDirFor(dir), { recursive: true });
  writeFileSync(join(clusterDirFor(dir), 'PG_VERSION'), '16\n');
  writeFileSync(join(dir, 'embedded-pg.json'), '{}');
  return dir;
}

describe('arx reset', () => {
  it('asks first; anything but "reset" removes nothing; "reset" or --yes removes the directory and its cluster', async () => {
    const dir = fakeDataDir('asked');
    const no = io('no');
    expect(await runCli(['reset', '--data-dir', dir], no)).toBe(2);
    expect(no.errors.join('\n')).toMatch(/^RESET_NOT_CONFIRMED: /);
    expect(existsSync(join(dir, 'embedded-pg.json'))).toBe(true);

    const yes = io('reset');
    expect(await runCli(['reset', '--data-dir', dir], yes)).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(clusterDirFor(dir))).toBe(false);
    expect(yes.lines).toContain(`removed ${dir}`);

    const scripted = fakeDataDir('scripted');
    expect(await runCli(['reset', '--data-dir', scripted, '--yes'], io())).toBe(0);
    expect(existsSync(scripted)).toBe(false);
  });

  it('without a terminal and without --yes it refuses; a directory that is not ours is never removed', async () => {
    const dir = fakeDataDir('no-tty');
    const r = io();
    expect(await runCli(['reset', '--data-dir', dir], r)).toBe(2);
    expect(r.errors[0]).toMatch(/^RESET_NOT_CONFIRMED: .*--yes/);
    expect(existsSync(dir)).toBe(true);

    const other = join(work, 'someone-elses');
    mkdirSync(other);
    writeFileSync(join(other, 'thesis.tex'), 'precious');
    const refused = io();
    expect(await runCli(['reset', '--data-dir', other, '--yes'], refused)).toBe(2);
    expect(refused.errors[0]).toMatch(/^RESET_NOT_A_DATA_DIR: /);
    expect(existsSync(join(other, 'thesis.tex'))).toBe(true);
  });
});

describe('a data directory deleted by hand', () => {
  it('is reported with DB_DATA_DIR_MISSING and the reset command, before any password is tried', async () => {
    const dir = fakeDataDir('deleted');
    rmSync(join(dir, 'embedded-pg.json'));
    const err = await startEmbeddedPostgres(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DB_DATA_DIR_MISSING' });
    expect((err as Error).message).toContain(`arx reset --data-dir ${dir}`);
    // Nothing was made up in its place.
    expect(existsSync(join(dir, 'embedded-pg.json'))).toBe(false);
  });
});

describe('Ctrl-C on arx demo (built console: npm run build)', () => {
  it('stops the embedded database and removes the temporary Chromium profile', async () => {
    const dataDir = join(work, 'interrupted');
    const tmp = mkdtempSync(join(work, 'tmp-'));
    // As root, initdb runs as postgres and reads its password file from TMPDIR.
    for (const d of [work, tmp]) chmodSync(d, 0o755);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ARX_DATA_DIR: dataDir,
      TMPDIR: tmp,
      ARX_FORCE_CHROMIUM: '1',
      ARX_DEMO_EVENTS: '20',
    };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const child = spawn(process.execPath, [join(process.cwd(), 'dist/electron/arx.mjs'), 'demo'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await expect.poll(() => out, { timeout: 150_000, interval: 250 }).toMatch(/Press Ctrl-C to stop/);
    expect(out).toMatch(/Control plane: connected/);
    expect(readdirSync(tmp).some((f) => f.startsWith('arx-chromium-'))).toBe(true);
    expect(runningPostmaster(clusterDirFor(dataDir)), out).not.toBeNull();
    child.kill('SIGINT');
    const code = await exited;
    expect(runningPostmaster(clusterDirFor(dataDir)), `exit ${code}\n${out}`).toBeNull();
    expect(readdirSync(tmp).filter((f) => f.startsWith('arx-chromium-'))).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    expect(code, out).toBe(0);
  }, 240_000);
});
