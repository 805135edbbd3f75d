/**
 * The real smart-card stack for a test file: a `pcscd --foreground` of its own with a vpcd reader
 * configuration of its own (two readers on two loopback ports), and virtual PIV cards attached to
 * them. pcscd has one socket per machine (/run/pcscd), so stacks take a lock and run one at a time.
 * stop() leaves no process behind, and neither does a test run that dies: the child is killed on exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PivCard } from './piv-card';
import type { VirtualCardData } from './card-data';
import { VpcdLink } from './vpcd-link';

export const PCSCD = '/usr/sbin/pcscd';
export const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
export const OPENSC_MODULE = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const LOCK = join(tmpdir(), 'arx-pcscd.lock');
const READER = 'ARX Virtual PIV';

export interface PcscStack {
  /** PC/SC reader names, in the order of the links ("ARX Virtual PIV 00 00", "… 00 01"). */
  readers: string[];
  /** One link per reader; link i carries cards[i] (when given). */
  links: VpcdLink[];
  /** pcscd's process id (tests stop it with SIGSTOP to make PC/SC calls block). */
  pid: number;
  /** pcscd's output so far (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whoever holds it may run pcscd. mkdir is atomic: the lock holds the owner's pid, and a dead owner's lock is taken over. */
export async function acquirePcscdLock(timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch {
      const owner = Number(existsSync(join(LOCK, 'pid')) ? readFileSync(join(LOCK, 'pid'), 'utf8') : 0);
      if (owner && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another test holds the pcscd lock (${LOCK}, pid ${owner})`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    const next = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port + 1, () => s.close(() => resolve(true)));
    });
    if (next && port < 65535) return port;
  }
  throw new Error('no two consecutive free TCP ports');
}

function waitFor(child: ChildProcess, output: () => string, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (output().includes(text)) done(null);
      else if (child.exitCode !== null) done(new Error(`pcscd exited (${child.exitCode}):\n${output().slice(-2000)}`));
      else if (Date.now() > deadline) done(new Error(`pcscd did not report "${text}":\n${output().slice(-2000)}`));
    }, 50);
    const deadline = Date.now() + timeoutMs;
    const done = (err: Error | null) => {
      clearInterval(timer);
      if (err) reject(err);
      else resolve();
    };
  });
}

/**
 * Starts pcscd with two vpcd readers and inserts `cards` (at most two) into them, in order.
 * Resolves once pcscd has powered every inserted card.
 */
export async function startPcscStack(cards: readonly VirtualCardData[]): Promise<PcscStack> {
  if (!existsSync(PCSCD) || !existsSync(VPCD_DRIVER))
    throw new Error(`pcscd and vpcd are needed: apt-get install -y pcscd vsmartcard-vpcd (${PCSCD}, ${VPCD_DRIVER})`);
  const release = await acquirePcscdLock(180_000);
  if (existsSync('/run/pcscd/pcscd.comm')) {
    release();
    throw new Error('a pcscd not started by these tests is running: stop it first (systemctl stop pcscd.socket pcscd)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'arx-pcscd-'));
  let child: ChildProcess | null = null;
  const kill = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  let out = '';
  try {
    const port = await freePortPair();
    // One vpcd entry makes two readers, "<name> 00 00" on `port` and "<name> 00 01" on port + 1.
    mkdirSync(join(dir, 'reader.conf.d'));
    writeFileSync(
      join(dir, 'reader.conf.d', 'arx-vpcd'),
      `FRIENDLYNAME "${READER}"\nDEVICENAME /dev/null:${port}\nLIBPATH ${VPCD_DRIVER}\nCHANNELID ${port}\n`,
    );
    child = spawn(PCSCD, ['--foreground', '--info', '--config', join(dir, 'reader.conf.d')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    process.once('exit', kill);
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    await waitFor(child, () => out, 'daemon ready', 10_000);
    const links = [0, 1].map((i) => new VpcdLink(new PivCard(cards[i] ?? cards[0]!), port + i));
    for (const [i] of cards.entries()) await links[i]!.insert();
    const proc = child;
    return {
      readers: [`${READER} 00 00`, `${READER} 00 01`],
      links,
      pid: proc.pid!,
      log: () => out,
      async stop() {
        for (const link of links) await link.remove();
        await stopChild(proc);
        process.removeListener('exit', kill);
        rmSync(dir, { recursive: true, force: true });
        release();
      },
    };
  } catch (err) {
    if (child) await stopChild(child);
    process.removeListener('exit', kill);
    rmSync(dir, { recursive: true, force: true });
    release();
    throw err;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
