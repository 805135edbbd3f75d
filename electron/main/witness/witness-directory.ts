import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { fromBase64, toBase64 } from '../../../shared/bytes';
import { parseVerifierKey, type NoteVerifier } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import {
  addCheckpoint,
  formatWitnessKey,
  formatWitnessSignerKey,
  parseAddCheckpointRequest,
  parseWitnessSignerKey,
  type Cosigned,
  type Cosigner,
  type CosignedHead,
  type WitnessResult,
} from '../../../shared/witness';

/** The witness's whole memory: the logs it follows and, per log, the head it last cosigned. */
export interface WitnessState {
  format: 'arx-witness-state/v1';
  /** The witness's own vkey: a state file of another witness is refused. */
  witness: string;
  /** Counts writes; a copy with a lower generation is older. */
  generation: number;
  logs: {
    origin: string;
    /** The log's checkpoint verifier keys (vkeys, type 0x01). */
    keys: string[];
    head: { size: number; root: string; note: string; cosignedAt: number } | null;
  }[];
}

const KEY_FILE = 'witness.key';
const STATE_FILE = 'state';
const LOCK_FILE = 'state.lock';
const STATE_HEADER = 'arx-witness-state/v1';

/**
 * A witness kept in one folder: its signer key (mode 0600), and its state authenticated with a
 * key derived from the signer key, so that it cannot be edited without the key (lowering a
 * recorded size would let the witness cosign a fork). A restored older copy is caught by
 * `addCheckpoint` as soon as it is shown one of its own later cosignatures.
 */
export class WitnessDirectory {
  private constructor(
    readonly dir: string,
    readonly cosigner: Cosigner,
    private readonly macKey: Buffer,
  ) {}

  static init(dir: string, name: string): WitnessDirectory {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (existsSync(join(dir, KEY_FILE)))
      throw new ArxFailure('WITNESS_STATE_INVALID', `${dir} already holds a witness key; refusing to replace it.`, {
        path: 'dir',
      });
    const seed = randomBytes(32);
    const signerKey = formatWitnessSignerKey(name, seed);
    writeDurably(join(dir, KEY_FILE), `${signerKey}\n`, 0o600);
    const w = WitnessDirectory.open(dir, { allowMissingState: true });
    w.write({ format: 'arx-witness-state/v1', witness: w.vkey, generation: 0, logs: [] });
    return w;
  }

  static open(dir: string, opts: { allowMissingState?: boolean } = {}): WitnessDirectory {
    let text: string;
    try {
      text = readFileSync(join(dir, KEY_FILE), 'utf8');
    } catch {
      throw new ArxFailure('WITNESS_STATE_INVALID', `No witness key in ${dir} (run \`arx witness init\`).`, {
        path: 'dir',
      });
    }
    const signer = parseWitnessSignerKey(text);
    if (!signer.ok) throw new ArxFailure(signer.error.code, `${KEY_FILE}: ${signer.error.message}`, { path: 'dir' });
    const seed = fromBase64(text.trim().split('+').slice(4).join('+'))!.subarray(1);
    const macKey = createHash('sha256').update('arx/witness-state/v1\n').update(seed).digest();
    const w = new WitnessDirectory(dir, signer.value, macKey);
    if (!opts.allowMissingState) w.read();
    return w;
  }

  get vkey(): string {
    return formatWitnessKey(this.cosigner.name, this.cosigner.publicKey);
  }

  /** Reads and authenticates the state. */
  read(): WitnessState {
    let text: string;
    try {
      text = readFileSync(join(this.dir, STATE_FILE), 'utf8');
    } catch {
      throw new ArxFailure('WITNESS_STATE_INVALID', `The witness state file is missing in ${this.dir}.`);
    }
    const nl = text.indexOf('\n');
    const [header, mac] = text.slice(0, nl).split(' ');
    const body = text.slice(nl + 1);
    const want = this.mac(body);
    const got = fromBase64(mac ?? '');
    if (header !== STATE_HEADER || !got || got.length !== want.length || !timingSafeEqual(got, want))
      throw new ArxFailure('WITNESS_STATE_INVALID', 'The witness state was changed without the witness key.');
    const state = JSON.parse(body) as WitnessState;
    if (state.witness !== this.vkey)
      throw new ArxFailure('WITNESS_STATE_INVALID', 'The state file belongs to another witness key.');
    return state;
  }

  /** Starts following a log (or replaces its keys), keeping its head. */
  follow(origin: string, keys: readonly string[]): WitnessState {
    for (const k of keys) {
      const v = parseVerifierKey(k);
      if (!v.ok)
        throw new ArxFailure('INVALID_REQUEST', `--log-key ${k.slice(0, 60)}: ${v.error.message}`, { path: 'log-key' });
    }
    return this.update((s) => {
      const log = s.logs.find((l) => l.origin === origin);
      if (log) log.keys = [...keys];
      else s.logs.push({ origin, keys: [...keys], head: null });
    });
  }

  /** One add-checkpoint request, decided and recorded under the folder's lock. */
  cosign(requestBody: string, now: number): WitnessResult<Cosigned> {
    const req = parseAddCheckpointRequest(requestBody);
    if (!req.ok) return req;
    let outcome: WitnessResult<Cosigned> | undefined;
    this.update((s) => {
      outcome = addCheckpoint(req.value, {
        logs: s.logs.map((l) => ({ origin: l.origin, keys: l.keys.map(verifierOf) })),
        latest: (origin) => headOf(s, origin),
        cosigner: this.cosigner,
        now,
      });
      if (!outcome.ok) return false;
      const { head } = outcome.value;
      s.logs.find((l) => l.origin === head.origin)!.head = {
        size: head.size,
        root: toBase64(head.root),
        note: head.note,
        cosignedAt: head.cosignedAt,
      };
    });
    return outcome!;
  }

  /** Read, change and write the state under an exclusive lock: the check and the record are one step. */
  private update(change: (s: WitnessState) => void | false): WitnessState {
    const lock = join(this.dir, LOCK_FILE);
    let fd: number;
    try {
      fd = openSync(lock, 'wx', 0o600);
    } catch {
      throw new ArxFailure('WITNESS_BUSY', `Another witness process holds ${lock} (remove it if none runs).`);
    }
    try {
      const s = this.read();
      if (change(s) === false) return s;
      s.generation += 1;
      this.write(s);
      return s;
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }

  private write(s: WitnessState): void {
    const body = `${JSON.stringify(s, null, 2)}\n`;
    writeDurably(join(this.dir, STATE_FILE), `${STATE_HEADER} ${toBase64(this.mac(body))}\n${body}`, 0o600);
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.macKey).update(body).digest();
  }
}

function verifierOf(vkey: string): NoteVerifier {
  const v = parseVerifierKey(vkey);
  if (!v.ok) throw new ArxFailure('WITNESS_STATE_INVALID', `A log key in the state does not parse: ${v.error.message}`);
  return v.value;
}

export function headOf(s: WitnessState, origin: string): CosignedHead | undefined {
  const h = s.logs.find((l) => l.origin === origin)?.head;
  return h ? { origin, size: h.size, root: fromBase64(h.root)!, note: h.note, cosignedAt: h.cosignedAt } : undefined;
}

/** Temp file, fsync, rename: a crash leaves the old state or the new one, never half of one. */
function writeDurably(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
