import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { loadConfig } from '../../../electron/main/config/config';
import { createConsoleServices, type ConsoleServices } from '../../../electron/main/composition/console-services';
import { clusterDirFor, runningPostmaster } from '../../../electron/main/controlplane/embedded';
import type { ProvisionedCard, ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { REPO_ROOT } from './paths';

/**
 * The demo control plane for e2e tests: the embedded PostgreSQL with the demo seeding
 * (electron/main/demo/seed-demo.ts) and the demo card (SoftHSM2 test tokens, their test PKI as
 * trust anchors, operators enrolled in the demo tenants: electron/main/demo/demo-card.ts).
 *
 * Speed: seeding and provisioning seven SoftHSM2 tokens is slow, so each Playwright worker
 * builds that data directory ONCE per demo event count (a template, through the real
 * createConsoleServices path with seedDemo), stops it cleanly, and every test gets a copy of it
 * (data directory, PostgreSQL cluster, token files) with its paths rewritten, which is quick.
 * A copy is a real cluster with its own port and its own tokens; what one test does (log in,
 * delete a token, write events) is invisible to the others.
 *
 * Outside CI the template is also kept between runs (under the OS temp dir, arx-e2e-demo-cache/),
 * keyed by the event count and the contents of the sources that shape what is stored
 * (TEMPLATE_SOURCES), and rebuilt after 12 hours. Each console still runs the migrations on start.
 * ARX_E2E_DEMO_CACHE=0 (or CI) builds a fresh template per worker.
 */

export type DemoOperator = 'adams' | 'baker';

/** The two good demo cards (electron/main/card/test-cards.ts TEST_CARDS), PIN 123456. */
export const DEMO_OPERATORS: Record<
  DemoOperator,
  { label: string; edipi: string; displayName: string; keyType: 'ec' | 'rsa'; roles: string[] }
> = {
  adams: {
    label: 'ARX TEST ADAMS EC',
    edipi: '1000000001',
    displayName: 'ADAMS.ALICE.ANN.1000000001',
    keyType: 'ec',
    roles: ['policy-author', 'isso', 'administrator'],
  },
  baker: {
    label: 'ARX TEST BAKER RSA',
    edipi: '1000000002',
    displayName: 'BAKER.BRUCE.BO.1000000002',
    keyType: 'rsa',
    roles: ['approver', 'auditor'],
  },
};
export const DEMO_PIN = '123456';

/** The demo events per tenant when a test does not say (ARX_DEMO_EVENTS). Small: the seeding is per worker, but the copy grows with it. */
export const DEFAULT_DEMO_EVENTS = 200;

interface Template {
  dataDir: string;
  clusterDir: string;
  /** The path the template was built under: the files in it name it (rewritten in each copy). */
  builtAs: string;
}

const CACHE_ROOT = join(tmpdir(), 'arx-e2e-demo-cache');
const CACHE_MAX_AGE_MS = 12 * 3600_000;
/**
 * What the template's content depends on (beyond the event count): the schema and the code that
 * writes the demo data. Verifiers, handlers and the policy engine are left out on purpose: they
 * change all day and do not change what is stored (each console runs the migrations again anyway).
 */
const TEMPLATE_SOURCES = [
  'electron/main/controlplane',
  'electron/main/demo',
  'electron/main/simulator',
  'electron/main/crypto/blake3-wasm.ts',
  'electron/main/pki/test-pki.ts',
  'electron/main/card/test-cards.ts',
  'electron/main/card/test-card-specs.ts',
  'electron/main/card/test-card-operators.ts',
  'shared/chain/format.ts',
  'shared/chain/blake3.ts',
  'shared/events',
  'shared/checkpoint',
  'shared/merkle',
  'shared/policy/templates.ts',
  'package-lock.json',
];

function sourceFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((e) => sourceFiles(join(path, e.name)));
}

function templateKey(events: number): string {
  const h = createHash('sha256').update(`events=${events}\n`);
  for (const f of TEMPLATE_SOURCES.flatMap((p) => sourceFiles(join(REPO_ROOT, p))).sort()) {
    h.update(relative(REPO_ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return `demo-${events}-${h.digest('hex').slice(0, 20)}`;
}

const cacheEnabled = () => !process.env.CI && process.env.ARX_E2E_DEMO_CACHE !== '0';

const CACHE_KEEP = 6;
/** One file per running demo console: who (pid) owns which cluster, so that a killed worker's server is found. */
const LIVE_DIR = join(CACHE_ROOT, 'live');

const liveFile = (dataDir: string) =>
  join(LIVE_DIR, `${process.pid}-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}.json`);

/** Interrupts a postmaster left on `cluster` (fast shutdown, then immediate) and waits for it to go. */
async function stopPostmaster(cluster: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const pid = runningPostmaster(cluster);
    if (pid === null) return;
    if (i === 0 || i === 50) {
      try {
        process.kill(pid, i === 0 ? 'SIGINT' : 'SIGQUIT');
      } catch {
        /* gone already */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Consoles of a worker that was killed (no teardown ran): their PostgreSQL still runs. Stops it
 * and removes its cluster. Runs before a template is fetched.
 */
async function reapOrphans(): Promise<void> {
  if (!existsSync(LIVE_DIR)) return;
  for (const name of readdirSync(LIVE_DIR)) {
    const file = join(LIVE_DIR, name);
    try {
      const live = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; cluster: string };
      if (pidAlive(live.pid)) continue;
      await stopPostmaster(live.cluster);
      rmSync(live.cluster, { recursive: true, force: true });
      rmSync(file, { force: true });
    } catch {
      /* another process reaped it */
    }
  }
}

function removeCached(dir: string, clusterDir: string): void {
  rmSync(clusterDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Keeps the cache small: builds left by a dead process go; templates go after CACHE_MAX_AGE_MS
 * unused, or when more than CACHE_KEEP exist (least recently used first, none younger than 10 min).
 */
function pruneCache(): void {
  if (!existsSync(CACHE_ROOT)) return;
  const done: { dir: string; used: number }[] = [];
  for (const name of readdirSync(CACHE_ROOT)) {
    if (name === 'live') continue;
    const dir = join(CACHE_ROOT, name);
    try {
      const building = /\.building-(\d+)-/.exec(name);
      if (building) {
        if (!pidAlive(Number(building[1]))) {
          const pid = runningPostmaster(clusterDirFor(dir));
          if (pid !== null) process.kill(pid, 'SIGQUIT');
          removeCached(dir, clusterDirFor(dir));
        }
        continue;
      }
      done.push({ dir, used: statSync(dir).mtimeMs });
    } catch {
      /* another process pruned it */
    }
  }
  done.sort((a, b) => b.used - a.used);
  for (const [i, d] of done.entries()) {
    const age = Date.now() - d.used;
    if (age < CACHE_MAX_AGE_MS && (i < CACHE_KEEP || age < 10 * 60_000)) continue;
    try {
      const meta = join(d.dir, 'template.json');
      removeCached(
        d.dir,
        existsSync(meta) ? (JSON.parse(readFileSync(meta, 'utf8')) as Template).clusterDir : clusterDirFor(d.dir),
      );
    } catch {
      /* another process pruned it */
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The run-spanning template for this key, built (once, by whichever process gets there first) when absent. */
async function cachedTemplate(events: number): Promise<Template> {
  pruneCache();
  const final = join(CACHE_ROOT, templateKey(events));
  const meta = join(final, 'template.json');
  const usable = () => existsSync(meta) && existsSync((JSON.parse(readFileSync(meta, 'utf8')) as Template).clusterDir);
  if (!usable()) {
    mkdirSync(CACHE_ROOT, { recursive: true });
    const building = `${final}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
    let t: Template;
    try {
      t = await buildTemplate(events, building);
    } catch (err) {
      rmSync(clusterDirFor(building), { recursive: true, force: true });
      rmSync(building, { recursive: true, force: true });
      throw err;
    }
    // Not as root the cluster lives inside the data directory, and moves with it.
    const clusterDir = t.clusterDir.startsWith(building) ? join(final, relative(building, t.clusterDir)) : t.clusterDir;
    writeFileSync(join(building, 'template.json'), JSON.stringify({ ...t, dataDir: final, clusterDir }));
    try {
      renameSync(building, final);
    } catch {
      // Another process finished the same template first: keep theirs.
      rmSync(t.clusterDir, { recursive: true, force: true });
      rmSync(building, { recursive: true, force: true });
    }
  }
  // Recently used: pruning goes by the directory's time.
  const now = new Date();
  utimesSync(final, now, now);
  return JSON.parse(readFileSync(meta, 'utf8')) as Template;
}

/** Per worker process: one template per event count, built on first use. */
const templates = new Map<number, Promise<Template>>();
/** Every template cluster built by this worker, removed at the worker's teardown. */
const templateClusters = new Set<string>();
let templateRoot: string | null = null;

export function setTemplateRoot(dir: string): void {
  templateRoot = dir;
}

async function buildTemplate(events: number, dataDir: string): Promise<Template> {
  mkdirSync(dataDir, { recursive: true });
  const logs: string[] = [];
  const before = process.env.ARX_DEMO_EVENTS;
  process.env.ARX_DEMO_EVENTS = String(events);
  const services = createConsoleServices(loadConfig({ ARX_DATA_DIR: dataDir }), (l) => logs.push(l), {
    seedDemo: true,
  });
  try {
    await services.start();
    await services.demoReady;
    if (
      services.status().controlPlane.state !== 'connected' ||
      !existsSync(join(dataDir, 'demo-card', 'test-cards.json'))
    ) {
      const cp = services.status().controlPlane;
      throw new Error(
        `demo control plane could not be prepared (${cp.state}): ${cp.detail}\n${logs
          .filter((l) => /demo|control plane|card/i.test(l))
          .slice(-8)
          .join('\n')}`,
      );
    }
  } finally {
    if (before === undefined) delete process.env.ARX_DEMO_EVENTS;
    else process.env.ARX_DEMO_EVENTS = before;
    await stopServices(services, dataDir, { keepCluster: true });
  }
  return { dataDir, clusterDir: clusterDirFor(dataDir), builtAs: dataDir };
}

/** A template for this worker only (CI, or the cache disabled); removed at the worker's teardown. */
async function workerTemplate(events: number): Promise<Template> {
  if (!templateRoot) throw new Error('demo-console: no template root (use the console fixture)');
  const dataDir = join(templateRoot, `demo-${events}`);
  templateClusters.add(clusterDirFor(dataDir));
  return buildTemplate(events, dataDir);
}

/**
 * A fresh data directory for one console, copied from the worker's template: the embedded
 * cluster (its own directory; under /var/lib/arx-console when running as root, see
 * clusterDirFor), the credentials, and the demo card with its paths rewritten to the copy.
 */
export async function demoDataDir(dataDir: string, events = DEFAULT_DEMO_EVENTS): Promise<void> {
  let t = templates.get(events);
  if (!t) {
    t = cacheEnabled() ? cachedTemplate(events) : workerTemplate(events);
    templates.set(events, t);
    t.catch(() => templates.delete(events));
  }
  const template = await t;
  await reapOrphans();
  mkdirSync(dataDir, { recursive: true });
  // cp -a: PostgreSQL insists on its cluster's owner and mode (0700).
  execFileSync('cp', ['-a', `${template.dataDir}/.`, dataDir]);
  rmSync(join(dataDir, 'template.json'), { force: true });
  const cluster = clusterDirFor(dataDir);
  if (cluster !== join(dataDir, 'pg')) {
    rmSync(cluster, { recursive: true, force: true });
    mkdirSync(LIVE_DIR, { recursive: true });
    writeFileSync(liveFile(dataDir), JSON.stringify({ pid: process.pid, cluster, dataDir }));
    execFileSync('cp', ['-a', template.clusterDir, cluster]);
  }
  for (const f of [join(dataDir, 'demo-card', 'test-cards.json'), join(dataDir, 'demo-card', 'softhsm2.conf')]) {
    writeFileSync(f, readFileSync(f, 'utf8').replaceAll(template.builtAs, dataDir));
  }
}

/**
 * Stops a console's services and makes sure its embedded PostgreSQL is gone (a postmaster that
 * outlived stop() is interrupted), then removes the cluster when it lives outside the data dir.
 */
export async function stopServices(
  services: ConsoleServices,
  dataDir: string,
  opts: { keepCluster?: boolean } = {},
): Promise<void> {
  await services.stop().catch(() => {});
  const cluster = clusterDirFor(dataDir);
  await stopPostmaster(cluster);
  if (!opts.keepCluster && cluster !== join(dataDir, 'pg')) rmSync(cluster, { recursive: true, force: true });
  if (!opts.keepCluster) rmSync(liveFile(dataDir), { force: true });
}

/** Removes the template clusters (their servers were stopped when they were built). */
export function removeTemplates(): void {
  for (const c of templateClusters) rmSync(c, { recursive: true, force: true });
  templateClusters.clear();
  templates.clear();
}

/** The demo card set of a console's data directory (module, SOFTHSM2_CONF, tokens, PKI). */
export function demoCards(dataDir: string): ProvisionedTestCards {
  return JSON.parse(readFileSync(join(dataDir, 'demo-card', 'test-cards.json'), 'utf8')) as ProvisionedTestCards;
}

export function demoCard(dataDir: string, who: DemoOperator): ProvisionedCard {
  const c = demoCards(dataDir).cards.find((x) => x.label === DEMO_OPERATORS[who].label);
  if (!c) throw new Error(`no demo card ${DEMO_OPERATORS[who].label}`);
  return c;
}

/**
 * "Pulls the card out of the reader": SoftHSM2 has no reader to unplug, so the token is deleted
 * (softhsm2-util --delete-token with the console's own SOFTHSM2_CONF). To the card service the
 * slot's token becomes unreadable between two polls, which is what a removed card looks like.
 */
export function removeDemoCard(dataDir: string, who: DemoOperator): void {
  const cards = demoCards(dataDir);
  execFileSync('softhsm2-util', ['--delete-token', '--token', DEMO_OPERATORS[who].label], {
    env: { ...process.env, SOFTHSM2_CONF: cards.softhsm2Conf },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

// ---- the UI steps a person takes ---------------------------------------------------------------

const loginHeading = (page: Page) => page.getByRole('heading', { name: 'Operator login' });

/**
 * Logs in through the UI as a person does: the notice (if shown), the reader holding the
 * operator's card, the PIN, Log in; waits until the console shell is there.
 */
export async function loginAs(page: Page, who: DemoOperator, pin = DEMO_PIN): Promise<void> {
  const op = DEMO_OPERATORS[who];
  const consent = page.getByRole('button', { name: 'I acknowledge' });
  await expect(consent.or(loginHeading(page))).toBeVisible({ timeout: 30_000 });
  if (await consent.isVisible()) await consent.click();
  await expect(loginHeading(page)).toBeVisible();
  await chooseReader(page, op.label);
  await page.getByLabel(/^PIN/).fill(pin);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('group', { name: 'Operator' })).toContainText(`EDIPI ${op.edipi}`);
}

/** On the login screen: picks the reader that holds the card with this label (when several hold one). */
export async function chooseReader(page: Page, label: string): Promise<void> {
  const state = page.locator('[data-reader-state]');
  await expect(state).toHaveAttribute('data-reader-state', 'card-present', { timeout: 30_000 });
  const picker = page.getByRole('combobox', { name: 'Card reader' });
  if ((await picker.count()) > 0 && !(await state.innerText()).includes(`Card present: ${label} `)) {
    await picker.click();
    await page.getByRole('option', { name: new RegExp(`^${label} `) }).click();
  }
  await expect(state).toContainText(`Card present: ${label} `);
}

/** Logs out through the header's Log out button and waits for the login screen. */
export async function logout(page: Page): Promise<void> {
  await page.getByRole('group', { name: 'Operator' }).getByRole('button', { name: 'Log out' }).click();
  await expect(loginHeading(page)).toBeVisible();
}

/** Log out, then log in with the other card in the same console (e.g. author, then approver). */
export async function switchOperator(page: Page, who: DemoOperator, pin = DEMO_PIN): Promise<void> {
  await logout(page);
  await loginAs(page, who, pin);
}
