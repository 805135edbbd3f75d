import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/main/cli/arx';
import type { CliIo } from '../../../electron/main/cli/cli-command';
import { utf8 } from '../../../shared/bytes';
import { ed25519Signer, formatCheckpoint, formatVerifierKey, signNote } from '../../../shared/checkpoint';
import { MerkleTree } from '../../../shared/merkle';
import {
  checkCosignatures,
  formatAddCheckpointRequest,
  parseWitnessKey,
  requireWitnesses,
} from '../../../shared/witness';

/** `arx witness`: a witness kept in a folder cosigns a log's checkpoints and refuses forks, across runs. */
const work = mkdtempSync(join(tmpdir(), 'arx-witness-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ORIGIN = 'arx.gateway/3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const gateway = ed25519Signer('arx-gateway.alpha.1', new Uint8Array(32).fill(0x11));
const tree = MerkleTree.fromLeaves(Array.from({ length: 30 }, (_, i) => utf8(`event ${i}`)));
const forked = MerkleTree.fromLeaves(Array.from({ length: 30 }, (_, i) => utf8(i < 5 ? `event ${i}` : `forged ${i}`)));
const note = (size: number, t = tree) =>
  signNote(formatCheckpoint({ origin: ORIGIN, size, root: t.root(size), extensions: [] }), [gateway]);

function io(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (t) => lines.push(t), err: (t) => errors.push(t), readStdin: async () => '', env: {} };
}

async function cosign(dir: string, old: number, size: number, t = tree, checkpoint = note(size, t)) {
  const file = join(work, `req-${old}-${size}.txt`);
  writeFileSync(
    file,
    formatAddCheckpointRequest({ oldSize: old, proof: old ? t.consistencyProof(old, size) : [], checkpoint }),
  );
  const r = io();
  const out = join(work, `cosigned-${size}.txt`);
  const code = await runCli(['witness', 'cosign', '--dir', dir, '--request', file, '--out', out], r);
  return { code, r, out };
}

describe('arx witness', () => {
  const dir = join(work, 'w1');

  it('initialises a key of mode 0600 and follows a log', async () => {
    const r = io();
    expect(await runCli(['witness', 'init', '--dir', dir, '--name', 'isso-1.arx.example/witness'], r)).toBe(0);
    expect(parseWitnessKey(r.lines[0]!).ok).toBe(true);
    expect(statSync(join(dir, 'witness.key')).mode & 0o777).toBe(0o600);
    expect(await runCli(['witness', 'init', '--dir', dir, '--name', 'again'], io())).toBe(2);
    const vkey = formatVerifierKey(gateway.name, gateway.publicKey);
    expect(await runCli(['witness', 'follow', '--dir', dir, '--origin', ORIGIN, '--log-key', vkey], io())).toBe(0);
  });

  it('cosigns consistent checkpoints; the cosigned note passes a 1-of-1 witness check', async () => {
    expect((await cosign(dir, 0, 5)).code).toBe(0);
    const { code, out } = await cosign(dir, 5, 20);
    expect(code).toBe(0);
    const status = io();
    await runCli(['witness', 'status', '--dir', dir], status);
    const vkey = status.lines[0]!.split('\n')[0]!.replace('Witness ', '');
    const key = parseWitnessKey(vkey);
    if (!key.ok) throw new Error(key.error.message);
    const report = checkCosignatures(readFileSync(out, 'utf8'), [key.value]);
    expect(report.ok && requireWitnesses(report.value, 1).ok).toBe(true);
    expect(status.lines[0]).toContain(`${ORIGIN}: cosigned size 20`);
  });

  it('refuses a fork and a rollback with exit 1 and their codes, and keeps its head', async () => {
    const fork = await cosign(dir, 20, 20, forked);
    expect(fork.code).toBe(1);
    expect(fork.r.errors[0]).toMatch(/^WITNESS_FORK_DETECTED: /);
    const back = await cosign(dir, 0, 10);
    expect(back.r.errors[0]).toMatch(/^WITNESS_ROLLBACK_REFUSED: /);
    const status = io();
    await runCli(['witness', 'status', '--dir', dir, '--json'], status);
    expect(JSON.parse(status.lines[0]!).logs[0].head.size).toBe(20);
  });

  it('refuses a state edited without the key, and notices a restored older copy', async () => {
    const state = join(dir, 'state');
    const saved = readFileSync(state, 'utf8');
    writeFileSync(state, saved.replace('"size": 20', '"size": 5'));
    const edited = io();
    expect(await runCli(['witness', 'status', '--dir', dir], edited)).toBe(2);
    expect(edited.errors[0]).toMatch(/^WITNESS_STATE_INVALID: /);
    writeFileSync(state, saved);

    copyFileSync(state, join(work, 'state-at-20'));
    const ahead = await cosign(dir, 20, 30);
    expect(ahead.code).toBe(0);
    copyFileSync(join(work, 'state-at-20'), state);
    const replay = await cosign(dir, 20, 30, tree, readFileSync(ahead.out, 'utf8'));
    expect(replay.r.errors[0]).toMatch(/^WITNESS_STATE_ROLLED_BACK: /);
  });
});
