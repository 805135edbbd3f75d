import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ArxFailure } from '../../../shared/contract';
import { DOD_POLICY_ARC } from '../pki/oids';
import { loadTrustStore } from '../pki/trust-store';
import { parseTrustedWitnessKeys } from '../witness/trusted-keys';
import { loadGatewayPins } from './gateway-pins';
import type { BundleTrust } from './verify';

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/**
 * The auditor's own trust for `arx bundle verify --trust DIR`. Layout: DIR/anchors/ (or the
 * certificate files directly in DIR), optional DIR/intermediates/ and DIR/crls/, and an optional
 * DIR/policy-arcs.txt (certificate policy OIDs a signer must assert, one per line; default
 * ARX_POLICY_ARCS, else the DoD arc), and an optional DIR/gateway-keys.txt (or in DIR/anchors/): the
 * gateway keys the auditor pins (gateway-pins.ts; without them verification fails unless
 * `allowUnpinnedGatewayKeys`). Nothing here ever comes from the bundle.
 */
export function loadBundleTrust(
  dir: string,
  env: NodeJS.ProcessEnv = {},
  opts: { allowUnpinnedGatewayKeys?: boolean } = {},
): BundleTrust {
  if (!isDir(dir))
    throw new ArxFailure('BUNDLE_TRUST_INVALID', `--trust ${dir} is not a directory of trust anchors.`, {
      path: 'trust',
    });
  const anchors = isDir(join(dir, 'anchors')) ? join(dir, 'anchors') : dir;
  const store = loadTrustStore({
    anchors,
    ...(isDir(join(dir, 'intermediates')) ? { intermediates: join(dir, 'intermediates') } : {}),
    ...(isDir(join(dir, 'crls')) ? { crls: join(dir, 'crls') } : {}),
  });
  const arcsFile = join(dir, 'policy-arcs.txt');
  const arcs = existsSync(arcsFile)
    ? readFileSync(arcsFile, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : (env.ARX_POLICY_ARCS ?? DOD_POLICY_ARC)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  for (const a of arcs)
    if (!/^[0-9]+(\.[0-9]+)+$/.test(a))
      throw new ArxFailure('BUNDLE_TRUST_INVALID', `Not a policy OID: ${a.slice(0, 60)}.`, { path: 'trust' });
  const witnessFile = join(dir, 'witness-keys.txt');
  const witnesses = existsSync(witnessFile)
    ? parseTrustedWitnessKeys(readFileSync(witnessFile, 'utf8'), witnessFile, 'trust')
    : [];
  return {
    store,
    policy: { policyArcs: arcs },
    gatewayPins: loadGatewayPins([dir, anchors]),
    allowUnpinnedGatewayKeys: opts.allowUnpinnedGatewayKeys === true,
    ...(witnesses.length ? { witnesses } : {}),
  };
}
