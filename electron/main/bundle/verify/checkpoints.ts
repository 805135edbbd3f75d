import { GatewayKeysSchema } from '../../../../shared/bundle';
import { openArxCheckpoint, parseVerifierKey, verifyCheckpointNote } from '../../../../shared/checkpoint';
import { nodeEd25519Verifier } from '../../chain/node-crypto';
import { pinOf, type PinnedWindow } from '../gateway-pins';
import { memberOf } from './parse';
import type { VerifyState } from './state';

const WINDOW_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/;

/** gateway-keys.json: the keys checkpoints are verified with, each with its validity window. */
export function readGatewayKeys(s: VerifyState, name: string, bytes: Uint8Array): void {
  const keys = memberOf(s, name, bytes, GatewayKeysSchema) ?? [];
  for (const [i, k] of keys.entries()) {
    const parsed = parseVerifierKey(k.verifierKey);
    if (!parsed.ok || parsed.value.name !== k.name) {
      s.checks.fail(
        'checkpoints',
        'GATEWAY_KEY_INVALID',
        `gateway key ${k.name.slice(0, 80)}: ${parsed.ok ? 'the key text names another key' : parsed.error.message}`,
        { member: name, index: i },
      );
      continue;
    }
    const from = new Date(k.validFrom);
    const to = k.validTo === null ? null : new Date(k.validTo);
    // Whole milliseconds: then the microsecond arx-time, truncated, compares exactly (bundle-format §5).
    if (
      !WINDOW_TIME.test(k.validFrom) ||
      (k.validTo !== null && !WINDOW_TIME.test(k.validTo)) ||
      Number.isNaN(from.getTime()) ||
      (to && Number.isNaN(to.getTime()))
    ) {
      s.checks.fail(
        'checkpoints',
        'GATEWAY_KEY_INVALID',
        `gateway key ${k.name.slice(0, 80)}: its validity window is not a pair of times YYYY-MM-DDTHH:MM:SS.sssZ`,
        { member: name, index: i },
      );
      continue;
    }
    const pin = s.pins ? pinOf(s.pins, k.name, parsed.value.publicKey) : undefined;
    (s.pins && !pin ? s.unpinned : s.verifiers).push(nodeEd25519Verifier(k.name, parsed.value.publicKey));
    const claimed = { from, to };
    if (pin?.window) {
      s.windows.set(k.name, narrowed(claimed, pin.window));
      s.claimedWindows.set(k.name, claimed);
    } else {
      s.windows.set(k.name, claimed);
      s.claimedWindows.delete(k.name);
      if (pin && !s.pinnedWithoutWindow.includes(k.name)) s.pinnedWithoutWindow.push(k.name);
    }
  }
}

/** The bundle's claimed window inside the auditor's pinned one: the pin can only narrow it. */
function narrowed(claimed: PinnedWindow, pinned: PinnedWindow): PinnedWindow {
  const from = claimed.from > pinned.from ? claimed.from : pinned.from;
  const ends = [claimed.to, pinned.to].filter((d): d is Date => d !== null);
  return { from, to: ends.length ? new Date(Math.min(...ends.map((d) => d.getTime()))) : null };
}

const inWindow = (t: Date, w: PinnedWindow | undefined) => !!w && t >= w.from && (w.to === null || t < w.to);
const windowText = (w: PinnedWindow) => `${w.from.toISOString()} .. ${w.to ? w.to.toISOString() : 'open'}`;

/** checkpoint-NNNNNN.note: signed by a trusted gateway key, inside that key's window, for this tenant. */
export function checkCheckpoint(s: VerifyState, name: string, bytes: Uint8Array): void {
  s.checks.count('checkpoints');
  if (!s.range) {
    s.checks.fail(
      'checkpoints',
      'CHECKPOINT_MALFORMED',
      `${name}: no valid range.json names the tenant it must belong to`,
      {
        member: name,
      },
    );
    return;
  }
  const tenantId = s.range.tenantId;
  const keys = s.verifiers.map((verifier) => {
    const w = s.windows.get(verifier.name)!;
    return { verifier, validFrom: w.from, validTo: w.to };
  });
  const outcome = verifyCheckpointNote(bytes, keys, { tenantId });
  const opened = outcome.ok || outcome.problem === 'CHECKPOINT_KEY_OUTSIDE_WINDOW';
  if (!opened && s.unpinned.length && openArxCheckpoint(bytes, s.unpinned, { tenantId }).ok) {
    s.checks.fail(
      'checkpoints',
      'GATEWAY_KEY_NOT_PINNED',
      `${name} is signed by a gateway key from the bundle that is not among the auditor's pinned gateway keys (${s.pins!.file})`,
      { member: name },
    );
    return;
  }
  if (!outcome.ok && outcome.problem !== 'CHECKPOINT_KEY_OUTSIDE_WINDOW') {
    const e = outcome.error;
    s.checks.fail('checkpoints', outcome.problem, `${name}: ${e.message}`, {
      member: name,
      ...(e.details?.line !== undefined ? { line: e.details.line } : {}),
      reason: e.code,
    });
    return;
  }
  const { checkpoint: cp, signer } = outcome;
  if (!outcome.ok) {
    const claimed = s.claimedWindows.get(signer);
    if (claimed && inWindow(new Date(cp.time), claimed)) {
      s.checks.fail(
        'checkpoints',
        'GATEWAY_KEY_OUTSIDE_PINNED_WINDOW',
        `${name} was signed at ${cp.time}: inside the window the bundle claims for key ${signer} (${windowText(claimed)}) but outside the one pinned in ${s.pins!.file} (${windowText(s.windows.get(signer)!)})`,
        { member: name, key: signer },
      );
      return;
    }
    s.checks.fail(
      'checkpoints',
      'CHECKPOINT_KEY_OUTSIDE_WINDOW',
      `${name} was signed at ${cp.time}, outside the validity window of key ${signer}`,
      { member: name, key: signer },
    );
    return;
  }
  s.checkpoints.push({
    size: cp.size,
    root: cp.root,
    head: cp.head,
    member: name,
    time: cp.time,
    verified: true,
    note: new TextDecoder().decode(bytes),
  });
  s.contents?.checkpoints.push({ member: name, size: cp.size, time: cp.time });
}
