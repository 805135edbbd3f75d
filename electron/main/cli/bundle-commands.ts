import { parseArgs } from 'node:util';
import type { BundleReport } from '../../../shared/bundle';
import { ArxFailure } from '../../../shared/contract';
import { loadBundleTrust } from '../bundle/trust';
import { verifyBundle } from '../bundle/verify';
import { loadWasmBlake3 } from '../chain/wasm-blake3';
import { loadConfig } from '../config/config';
import { createConsoleServices } from '../composition/console-services';
import { ConsoleSession } from '../core/registry';
import { EXIT_CANNOT_RUN, EXIT_CHECK_FAILED, EXIT_OK, type CliCommand, type CliIo } from './cli-command';

const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new ArxFailure('INVALID_REQUEST', `--${name} must be a whole number; got "${v.slice(0, 40)}".`, {
      path: name,
    });
  return Number(v);
};

/**
 * The PIN, never a command-line argument: the first line of stdin with --pin-stdin, else ARX_PIN,
 * else a prompt without echo when stdin is a terminal; otherwise BUNDLE_PIN_REQUIRED (nothing to
 * ask, e.g. a script with no terminal).
 */
export async function readPin(io: CliIo, pinStdin: boolean | undefined): Promise<string> {
  if (pinStdin) {
    const line = (await io.readStdin()).split(/\r?\n/)[0] ?? '';
    if (!line)
      throw new ArxFailure('BUNDLE_PIN_REQUIRED', '--pin-stdin: stdin is empty: pipe the card PIN on its first line.');
    return line;
  }
  if (io.env.ARX_PIN) return io.env.ARX_PIN;
  let typed: string | null = null;
  try {
    typed = io.promptSecret ? await io.promptSecret('Card PIN (to sign the bundle manifest): ') : null;
  } catch (e) {
    throw new ArxFailure('BUNDLE_PIN_REQUIRED', `No PIN was entered: ${(e as Error).message}.`);
  }
  if (typed === null) {
    throw new ArxFailure(
      'BUNDLE_PIN_REQUIRED',
      'The card PIN is needed to sign the manifest and stdin is not a terminal to ask it on: pipe it with --pin-stdin, or set ARX_PIN. It is never taken as an argument.',
    );
  }
  if (!typed) throw new ArxFailure('BUNDLE_PIN_REQUIRED', 'No PIN was entered.');
  return typed;
}

export const bundleExport: CliCommand = {
  name: ['bundle', 'export'],
  summary:
    'Export an evidence bundle of a tenant range or of a fidelity certificate, signed on your card (PIN asked on the terminal without echo, or from --pin-stdin or ARX_PIN).',
  usage:
    'arx bundle export --tenant T (--from SEQ --to SEQ | --review CERT_ID) --out FILE [--token LABEL | --slot SLOT] [--pin-stdin] [--json]',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        tenant: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        review: { type: 'string' },
        out: { type: 'string' },
        token: { type: 'string' },
        slot: { type: 'string' },
        'pin-stdin': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    if (!values.tenant) throw new ArxFailure('INVALID_REQUEST', '--tenant is required.', { path: 'tenant' });
    if (!values.out) throw new ArxFailure('INVALID_REQUEST', '--out is required.', { path: 'out' });
    const from = int('from', values.from);
    const to = int('to', values.to);
    if ((values.review === undefined) === (from === undefined || to === undefined))
      throw new ArxFailure('INVALID_REQUEST', 'Give --from and --to, or --review.', { path: 'from' });
    const pin = await readPin(io, values['pin-stdin']);
    const services = createConsoleServices(loadConfig(io.env), (l) => io.env.ARX_DEBUG && io.err(l));
    const session = new ConsoleSession();
    session.consentAcknowledgedAt = new Date();
    const call = async (name: string, req: unknown) => {
      const r = await services.registry.invoke(name, req, { adapter: 'cli', session });
      if (!r.ok) throw new ArxFailure(r.error.code, r.error.message, r.error.details);
      return r.value as never;
    };
    try {
      await services.start();
      const readers = (await call('card.readers', {})) as {
        readers: { slot: string; tokenPresent: boolean; tokenLabel: string | null }[];
      };
      const present = readers.readers.filter((r) => r.tokenPresent);
      const chosen = values.slot
        ? present.find((r) => r.slot === values.slot)
        : values.token
          ? present.find((r) => r.tokenLabel === values.token)
          : present.length === 1
            ? present[0]
            : undefined;
      if (!chosen) {
        throw new ArxFailure(
          'CARD_ERROR',
          `Choose the card with --token LABEL or --slot SLOT (cards present: ${present.map((r) => `${r.tokenLabel ?? '?'} in slot ${r.slot}`).join(', ') || 'none'}).`,
          { path: 'token' },
        );
      }
      io.err(`Logging in with ${chosen.tokenLabel} …`);
      await call('card.login', { slot: chosen.slot, certificateId: null, pin, confirmFinalTry: false });
      io.err('Exporting …');
      const result = (await call('bundle.export', {
        tenant: values.tenant,
        from: from ?? null,
        to: to ?? null,
        review: values.review ?? null,
        pin,
        out: values.out,
      })) as {
        path: string;
        sha256: string;
        bytes: number;
        events: number;
        from: number;
        to: number;
      };
      io.out(
        values.json
          ? JSON.stringify(result, null, 2)
          : `Wrote ${result.path}: events ${result.from}..${result.to} (${result.events}), ${result.bytes} bytes, SHA-256 ${result.sha256}.`,
      );
      await call('card.logout', {}).catch(() => {});
      return EXIT_OK;
    } finally {
      await services.stop();
    }
  },
};

export function formatBundleReport(r: BundleReport): string {
  const lines: string[] = [];
  if (r.fatal) return `NOT A USABLE BUNDLE — ${r.fatal.code}: ${r.fatal.message}${locationText(r.fatal.location)}`;
  const s = r.summary;
  lines.push(
    `Bundle v${r.format?.version}: tenant ${s.tenantSlug} (${s.tenantId}), events ${s.from}..${s.to} (${s.events}), ${s.checkpoints} checkpoints, ${s.policyVersions} policy versions, ${s.reviews} fidelity certificates, ${s.certificates} certificates; signed by ${s.signer ?? '(unknown)'} at ${s.createdAt}.`,
  );
  for (const c of r.checks) {
    lines.push(`${c.ok ? '✓' : '✗'} ${c.label} (${c.checked} checked)`);
    for (const f of c.findings) lines.push(`    ${f.code}${locationText(f.location)}: ${f.message}`);
    if (c.omitted) lines.push(`    … and ${c.omitted} more (see --json)`);
  }
  for (const w of r.warnings) lines.push(`  warning ${w.code}${locationText(w.location)}: ${w.message}`);
  lines.push(
    r.ok ? 'VERIFIED: every check holds.' : `FAILED: ${r.checks.filter((c) => !c.ok).length} check(s) failed.`,
  );
  return lines.join('\n');
}

function locationText(loc: Record<string, string | number>): string {
  const parts = Object.entries(loc)
    .filter(([k]) => k !== 'expected' && k !== 'found')
    .map(([k, v]) => `${k} ${v}`);
  return parts.length ? ` at ${parts.join(', ')}` : '';
}

export const bundleVerify: CliCommand = {
  name: ['bundle', 'verify'],
  summary:
    'Verify an evidence bundle offline against your own trust anchors (no database, no card). Exit 0 verified, 1 a check failed, 2 not a usable bundle.',
  usage:
    'arx bundle verify FILE --trust DIR [--json]   (DIR: anchors/ [intermediates/] [crls/] [policy-arcs.txt], or anchor files directly)',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { trust: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length !== 1)
      throw new ArxFailure('INVALID_REQUEST', 'Give exactly one bundle file.', { path: 'file' });
    if (!values.trust)
      throw new ArxFailure('INVALID_REQUEST', '--trust DIR (your own trust anchors) is required.', { path: 'trust' });
    const trust = loadBundleTrust(values.trust, io.env);
    const started = Date.now();
    let last = 0;
    let again = false;
    const report = await verifyBundle(positionals[0]!, {
      trust,
      blake3: await loadWasmBlake3(),
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < 1000 && !(p.again && !again)) return;
        last = now;
        if (p.again && !again) io.err('something is not intact: verifying again on one thread, for the exact findings');
        again ||= p.again === true;
        io.err(
          `${again ? 'verifying again' : 'verifying'}: ${Math.floor((p.bytes / Math.max(1, p.total)) * 100)}%, ${p.events.toLocaleString('en-US')} events, ${((now - started) / 1000).toFixed(1)} s`,
        );
      },
    });
    io.out(values.json ? JSON.stringify(report, null, 2) : formatBundleReport(report));
    if (report.fatal) {
      if (values.json) io.err(`${report.fatal.code}: ${report.fatal.message}`);
      return EXIT_CANNOT_RUN;
    }
    return report.ok ? EXIT_OK : EXIT_CHECK_FAILED;
  },
};

export const BUNDLE_CLI_COMMANDS: CliCommand[] = [bundleExport, bundleVerify];
