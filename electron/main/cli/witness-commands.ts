import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ArxFailure } from '../../../shared/contract';
import { parseAddCheckpointRequest } from '../../../shared/witness';
import { WitnessDirectory, type WitnessState } from '../witness/witness-directory';
import { EXIT_CHECK_FAILED, EXIT_OK, type CliCommand } from './cli-command';

const dirOf = (dir: string | undefined): string => {
  if (!dir) throw new ArxFailure('INVALID_REQUEST', '--dir is required (the witness folder).', { path: 'dir' });
  return dir;
};

const witnessInit: CliCommand = {
  name: ['witness', 'init'],
  summary: 'Create a witness: an Ed25519 cosignature/v1 key (file mode 0600) and an empty state; prints its vkey.',
  usage: 'arx witness init --dir DIR --name NAME',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { dir: { type: 'string' }, name: { type: 'string' } },
      strict: true,
    });
    if (!values.name) throw new ArxFailure('INVALID_REQUEST', '--name is required, e.g. isso-1.example.mil/witness.');
    let w: WitnessDirectory;
    try {
      w = WitnessDirectory.init(dirOf(values.dir), values.name);
    } catch (err) {
      if (err instanceof RangeError) throw new ArxFailure('INVALID_REQUEST', err.message, { path: 'name' });
      throw err;
    }
    io.out(w.vkey);
    return EXIT_OK;
  },
};

const witnessFollow: CliCommand = {
  name: ['witness', 'follow'],
  summary: "Follow a log: its origin (arx.gateway/<tenant id>) and its checkpoint keys (the gateway's vkeys).",
  usage: 'arx witness follow --dir DIR --origin ORIGIN --log-key VKEY [--log-key VKEY …]',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { dir: { type: 'string' }, origin: { type: 'string' }, 'log-key': { type: 'string', multiple: true } },
      strict: true,
    });
    const keys = values['log-key'] ?? [];
    if (!values.origin || keys.length === 0)
      throw new ArxFailure('INVALID_REQUEST', '--origin and at least one --log-key are required.', { path: 'origin' });
    const state = WitnessDirectory.open(dirOf(values.dir)).follow(values.origin, keys);
    io.out(`Following ${values.origin} with ${keys.length} key(s); ${state.logs.length} log(s) in all.`);
    return EXIT_OK;
  },
};

const witnessCosign: CliCommand = {
  name: ['witness', 'cosign'],
  summary:
    'Cosign a checkpoint given as a tlog-witness add-checkpoint body (old size, consistency proof, note); refuses forks and rollbacks.',
  usage:
    'arx witness cosign --dir DIR [--request FILE] [--out FILE] [--json]   (the request on stdin without --request)',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        dir: { type: 'string' },
        request: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    const w = WitnessDirectory.open(dirOf(values.dir));
    const body = values.request ? readText(values.request, 'request') : await io.readStdin();
    const r = w.cosign(body, Math.floor(Date.now() / 1000));
    if (!r.ok) {
      if (values.json) io.out(JSON.stringify({ ok: false, error: r.error }, null, 2));
      io.err(`${r.error.code}: ${r.error.message}`);
      return EXIT_CHECK_FAILED;
    }
    if (values.out) {
      const note = parseAddCheckpointRequest(body);
      writeFileSync(values.out, `${note.ok ? note.value.checkpoint : ''}${r.value.cosignature}`);
    }
    const { head } = r.value;
    io.out(
      values.json
        ? JSON.stringify({ ok: true, cosignature: r.value.cosignature, origin: head.origin, size: head.size }, null, 2)
        : r.value.cosignature.trimEnd(),
    );
    return EXIT_OK;
  },
};

/** The witness's state as a person reads it: per log, the head it last cosigned. */
export function formatWitnessStatus(vkey: string, s: WitnessState): string {
  const lines = [`Witness ${vkey}`, `State generation ${s.generation}, ${s.logs.length} log(s) followed.`];
  for (const l of s.logs) {
    const h = l.head;
    lines.push(
      h
        ? `  ${l.origin}: cosigned size ${h.size} (root ${h.root}) at ${new Date(h.cosignedAt * 1000).toISOString()}`
        : `  ${l.origin}: nothing cosigned yet`,
    );
  }
  return lines.join('\n');
}

const witnessStatus: CliCommand = {
  name: ['witness', 'status'],
  summary: 'Show the witness key and, per followed log, the last checkpoint it cosigned.',
  usage: 'arx witness status --dir DIR [--json]',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { dir: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    });
    const w = WitnessDirectory.open(dirOf(values.dir));
    const s = w.read();
    io.out(values.json ? JSON.stringify(s, null, 2) : formatWitnessStatus(w.vkey, s));
    return EXIT_OK;
  },
};

function readText(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ArxFailure('FILE_UNREADABLE', `Cannot read --${field} ${path}.`, { path: field });
  }
}

export const WITNESS_CLI_COMMANDS: CliCommand[] = [witnessInit, witnessFollow, witnessCosign, witnessStatus];
