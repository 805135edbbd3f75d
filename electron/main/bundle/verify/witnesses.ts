/**
 * Witness cosignatures in a bundle (docs/bundle-format.md §3 `cosignatures.json`, §5.3): the
 * C2SP cosignature/v1 lines the witnesses added to each checkpoint, kept apart from the checkpoint
 * notes (whose bytes stay the gateway's), and judged only against the auditor's own witness keys.
 */
import { z } from 'zod';
import type { BundleWitnessing } from '../../../../shared/bundle';
import { judgeWitnessedCheckpoint } from '../../../../shared/witness';
import { memberOf } from './parse';
import type { VerifyState } from './state';
import type { BundleTrust } from './types';

/** A signature line of a signed note: "— <name> <base64>" and its newline. */
const LINE = z.string().regex(/^\u2014 [^\s]{1,256} [A-Za-z0-9+/]+={0,2}\n$/);

export const CosignaturesSchema = z
  .array(
    z
      .object({
        checkpoint: z.string().regex(/^checkpoint-[0-9]{6}\.note$/),
        lines: z.array(LINE).max(256),
      })
      .strict(),
  )
  .max(100_000);

export function readCosignatures(s: VerifyState, name: string, bytes: Uint8Array): void {
  const list = memberOf(s, name, bytes, CosignaturesSchema);
  for (const c of list ?? [])
    s.cosignatures.set(c.checkpoint, [...(s.cosignatures.get(c.checkpoint) ?? []), ...c.lines]);
}

/**
 * With trusted witness keys or a K: the anchoring checkpoint (the largest verified one, which the
 * end proof is under; of its re-signings the best judged) must carry K valid cosignatures of
 * distinct trusted witnesses. A checkpoint of a forked history carries none of the honest
 * witnesses' (they refuse a fork), and their lines copied onto it do not verify over its body.
 */
export function judgeBundleWitnesses(s: VerifyState, trust: BundleTrust): BundleWitnessing | null {
  const trusted = trust.witnesses ?? [];
  const required = trust.requireWitnesses ?? 0;
  if (trusted.length === 0 && required === 0) return null;
  const verified = s.checkpoints.filter((c) => c.verified && c.note !== undefined);
  const size = Math.max(-1, ...verified.map((c) => c.size));
  const anchors = verified.filter((c) => c.size === size);
  const verdicts = anchors.map((c) =>
    judgeWitnessedCheckpoint(
      { note: c.note!, size: c.size, root: c.root },
      s.cosignatures.get(c.member) ?? [],
      trusted,
      required,
    ),
  );
  const v =
    verdicts.find((x) => x.ok) ??
    verdicts.sort((a, b) => b.witnesses.length - a.witnesses.length)[0] ??
    judgeWitnessedCheckpoint(null, [], trusted, required);
  return {
    ok: v.ok,
    required: v.required,
    treeSize: v.treeSize,
    witnesses: v.witnesses,
    ignored: v.ignored,
    ...(v.error ? { error: { code: v.error.code, message: v.error.message } } : {}),
  };
}
