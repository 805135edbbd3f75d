import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { formatSignerKey, formatVerifierKey, parseVerifierKey } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import { EXIT_OK, type CliCommand, type CliIo } from './cli-command';
import { CARD_OPTIONS, CARD_USAGE, withOperator, type CliConsole } from './operator-login';

/**
 * Gateway keys by name, as docs/deployment.md ("Gateway keys") writes them:
 * `arx admin gateway-key register|rotate|revoke|list|export`, each change signed on the card of the
 * administrator in the reader (the contract verbs `arx admin gatewayKeyRegister --request JSON`
 * stay), and `arx gateway-key generate` on the gateway's host (the private key never leaves it).
 * Arguments are checked before the PIN is asked for.
 */

const MAX_KEY_FILE = 64 * 1024;

/** The verifier key text from --key or the first line of --key-file that is not blank or a comment. */
function verifierKeyOf(text: string | undefined, file: string | undefined): string {
  if (!!text === !!file)
    throw new ArxFailure('INVALID_REQUEST', 'Give the gateway’s verifier key as --key TEXT or --key-file FILE.', {
      path: 'key',
    });
  let key = text ?? '';
  if (file) {
    if (!existsSync(file) || !statSync(file).isFile() || statSync(file).size > MAX_KEY_FILE)
      throw new ArxFailure('GATEWAY_KEY_INVALID', `${file} is not a readable key file (a regular file, ≤64 KiB).`, {
        path: 'key-file',
        file,
      });
    key =
      readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .find((l) => l && !l.startsWith('#')) ?? '';
  }
  const parsed = parseVerifierKey(key.trim());
  if (!parsed.ok)
    throw new ArxFailure(
      'GATEWAY_KEY_INVALID',
      `Not a gateway verifier key (<name>+<key id>+<base64>): ${parsed.error.message}`,
      {
        path: file ? 'key-file' : 'key',
        ...(file ? { file } : {}),
      },
    );
  return key.trim();
}

/** A time as given (RFC 3339), in the window form YYYY-MM-DDTHH:MM:SS.sssZ; null when absent. */
function timeOf(value: string | undefined, path: string): string | null {
  if (value === undefined) return null;
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(d.getTime()))
    throw new ArxFailure('INVALID_REQUEST', `--${path} is a time like 2026-12-08T00:00:00Z.`, { path });
  return d.toISOString();
}

/** 90s, 30m, 12h, 7d (or a number of seconds) as seconds. */
export function durationSeconds(value: string | undefined, path: string): number {
  const m = /^([0-9]{1,7})([smhd]?)$/.exec(value ?? '');
  if (!m) throw new ArxFailure('INVALID_REQUEST', `--${path} is a duration like 90s, 30m, 12h or 7d.`, { path });
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

async function tenantBySlug(c: CliConsole, slug: string | undefined) {
  const found = slug ? (await c.call('admin.tenantList', {})).find((t) => t.slug === slug) : undefined;
  if (!found) throw new ArxFailure('NOT_FOUND', `No tenant ${slug ?? '(none given)'}.`, { path: 'tenant' });
  return found;
}

const KEY_OPTIONS = {
  tenant: { type: 'string' },
  key: { type: 'string' },
  'key-file': { type: 'string' },
  'valid-from': { type: 'string' },
  ...CARD_OPTIONS,
} as const;

const register: CliCommand = {
  name: ['admin', 'gateway-key', 'register'],
  summary: 'Register a gateway’s checkpoint verifier key for a tenant (administrator, card-signed, chained).',
  usage: `arx admin gateway-key register --tenant SLUG (--key TEXT | --key-file FILE) [--valid-from TIME] [--valid-to TIME] ${CARD_USAGE}`,
  async run(args, io) {
    const { values: v } = parseArgs({
      args,
      options: { ...KEY_OPTIONS, 'valid-to': { type: 'string' } },
      strict: true,
    });
    const verifierKey = verifierKeyOf(v.key, v['key-file']);
    const validFrom = timeOf(v['valid-from'], 'valid-from');
    const validTo = timeOf(v['valid-to'], 'valid-to');
    const r = await withOperator(io, v, async (c, pin) => {
      const t = await tenantBySlug(c, v.tenant);
      return c.call('admin.gatewayKeyRegister', { tenantId: t.tenantId, verifierKey, validFrom, validTo, pin });
    });
    io.out(`Registered gateway key ${r.keyName} for ${v.tenant}: valid ${r.validFrom} .. ${r.validTo ?? 'open'}.`);
    return EXIT_OK;
  },
};

const rotate: CliCommand = {
  name: ['admin', 'gateway-key', 'rotate'],
  summary: 'Rotate a tenant’s gateway key: the new one valid from now, the old one until the overlap ends.',
  usage: `arx admin gateway-key rotate --tenant SLUG --previous NAME (--key TEXT | --key-file FILE) [--valid-from TIME] [--overlap 1h] ${CARD_USAGE}`,
  async run(args, io) {
    const options = { ...KEY_OPTIONS, previous: { type: 'string' }, overlap: { type: 'string' } } as const;
    const { values: v } = parseArgs({ args, options, strict: true });
    const verifierKey = verifierKeyOf(v.key, v['key-file']);
    if (!v.previous)
      throw new ArxFailure('INVALID_REQUEST', 'Name the key rotated out: --previous NAME.', { path: 'previous' });
    const overlapSeconds = durationSeconds(v.overlap ?? '1h', 'overlap');
    const validFrom = timeOf(v['valid-from'], 'valid-from');
    const r = await withOperator(io, v, async (c, pin) => {
      const t = await tenantBySlug(c, v.tenant);
      const req = { tenantId: t.tenantId, previousKey: v.previous!, verifierKey, validFrom, overlapSeconds, pin };
      return c.call('admin.gatewayKeyRotate', req);
    });
    io.out(
      `Rotated ${r.previousKey} to ${r.keyName}: ${r.keyName} valid from ${r.validFrom}; ${r.previousKey} until ${r.previousValidTo}.`,
    );
    return EXIT_OK;
  },
};

const revoke: CliCommand = {
  name: ['admin', 'gateway-key', 'revoke'],
  summary: 'Revoke a gateway key: its window ends now (or --at an earlier time); its later checkpoints stop verifying.',
  usage: `arx admin gateway-key revoke --tenant SLUG --name NAME --reason TEXT [--at TIME] ${CARD_USAGE}`,
  async run(args, io) {
    const options = {
      tenant: { type: 'string' },
      name: { type: 'string' },
      reason: { type: 'string' },
      at: { type: 'string' },
      ...CARD_OPTIONS,
    } as const;
    const { values: v } = parseArgs({ args, options, strict: true });
    if (!v.name || !v.reason)
      throw new ArxFailure('INVALID_REQUEST', 'Name the key (--name) and say why (--reason).', {
        path: v.name ? 'reason' : 'name',
      });
    const validTo = timeOf(v.at, 'at');
    const r = await withOperator(io, v, async (c, pin) => {
      const t = await tenantBySlug(c, v.tenant);
      return c.call('admin.gatewayKeyRevoke', {
        tenantId: t.tenantId,
        keyName: v.name!,
        validTo,
        reason: v.reason!,
        pin,
      });
    });
    io.out(
      `Revoked ${r.keyName}: valid until ${r.validTo}; ${r.checkpointsOutside} stored checkpoints it signed since no longer verify.`,
    );
    return EXIT_OK;
  },
};

const list: CliCommand = {
  name: ['admin', 'gateway-key', 'list'],
  summary: 'Every tenant’s gateway keys with their windows (administrator).',
  usage: `arx admin gateway-key list [--tenant SLUG] ${CARD_USAGE} [--json]`,
  async run(args, io) {
    const { values: v } = parseArgs({
      args,
      options: { tenant: { type: 'string' }, json: { type: 'boolean' }, ...CARD_OPTIONS },
      strict: true,
    });
    const keys = (await withOperator(io, v, (c) => c.call('admin.gatewayKeyList', {}))).filter(
      (k) => !v.tenant || k.tenantSlug === v.tenant,
    );
    if (v.json) io.out(JSON.stringify(keys, null, 2));
    else
      for (const k of keys)
        io.out(
          `${k.tenantSlug}\t${k.keyName}\t${k.status}\t${k.validFrom} .. ${k.validTo ?? 'open'}${k.endedReason ? ` (${k.endedReason})` : ''}`,
        );
    return EXIT_OK;
  },
};

const exportKeys: CliCommand = {
  name: ['admin', 'gateway-key', 'export'],
  summary: 'Write the gateway keys as the gateway-keys.txt auditors pin in their trust directory.',
  usage: `arx admin gateway-key export --out FILE [--tenant SLUG ...] ${CARD_USAGE}`,
  async run(args, io) {
    const options = { out: { type: 'string' }, tenant: { type: 'string', multiple: true }, ...CARD_OPTIONS } as const;
    const { values: v } = parseArgs({ args, options, strict: true });
    if (!v.out)
      throw new ArxFailure('INVALID_REQUEST', 'Say where to write: --out FILE (gateway-keys.txt).', { path: 'out' });
    const r = await withOperator(io, v, async (c) => {
      const tenantIds = v.tenant
        ? await Promise.all(v.tenant.map(async (s) => (await tenantBySlug(c, s)).tenantId))
        : null;
      return c.call('admin.gatewayKeyExport', { tenantIds });
    });
    writeFileSync(v.out, r.text, { mode: 0o644 });
    io.out(`Wrote ${r.keys} gateway keys to ${v.out} (SHA-256 ${r.sha256}).`);
    return EXIT_OK;
  },
};

/** On the gateway's host: a new Ed25519 key pair, the private half to FILE (0600), the verifier key to FILE.pub and stdout. */
const generate: CliCommand = {
  name: ['gateway-key', 'generate'],
  summary: 'Make a gateway checkpoint signing key (private key to --out, verifier key to --out.pub and stdout).',
  usage: 'arx gateway-key generate --name arx-gateway.<tenant>.<n> --out FILE',
  async run(args, io: CliIo) {
    const { values: v } = parseArgs({
      args,
      options: { name: { type: 'string' }, out: { type: 'string' } },
      strict: true,
    });
    if (!v.name || !v.out)
      throw new ArxFailure('INVALID_REQUEST', 'Give the key’s --name and the --out FILE for its private half.', {
        path: v.name ? 'out' : 'name',
      });
    if (existsSync(v.out))
      throw new ArxFailure('INVALID_REQUEST', `${v.out} exists: a gateway key is never overwritten.`, {
        path: 'out',
        file: v.out,
      });
    const seed = ed25519.utils.randomSecretKey();
    let signer: string;
    try {
      signer = formatSignerKey(v.name, seed);
    } catch (e) {
      throw new ArxFailure('GATEWAY_KEY_INVALID', `--name: ${(e as Error).message} (printable, no space, no +).`, {
        path: 'name',
      });
    }
    const verifier = formatVerifierKey(v.name, ed25519.getPublicKey(seed));
    writeFileSync(v.out, `${signer}\n`, { mode: 0o600, flag: 'wx' });
    writeFileSync(`${v.out}.pub`, `${verifier}\n`, { mode: 0o644, flag: 'wx' });
    io.out(verifier);
    return EXIT_OK;
  },
};

export const GATEWAY_KEY_CLI_COMMANDS: CliCommand[] = [register, rotate, revoke, list, exportKeys, generate];
