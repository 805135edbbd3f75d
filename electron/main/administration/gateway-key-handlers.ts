import { createHash } from 'node:crypto';
import { formatVerifierKey, parseVerifierKey } from '../../../shared/checkpoint';
import { ArxFailure, requireOperator } from '../../../shared/contract';
import type { adminGatewayKeyCommands } from '../../../shared/contract/domains/admin-gateway-keys';
import {
  adminGatewayKeyCheckpointsAfter,
  adminGatewayKeys,
  type AdminGatewayKeyRow,
} from '../controlplane/repos/gateway-key-reads';
import type { DomainHandlers } from '../handlers/domain-deps';
import { GatewayKeyAdministration, windowTime } from './gateway-key-steps';
import type { AdminContext } from './handlers';
import { gatewayKeysText } from './gateway-keys-text';

type Handlers = DomainHandlers<typeof adminGatewayKeyCommands>;

/** A verifier key text as the gateway publishes it: its name and Ed25519 public key. */
function parsedKey(text: string): { name: string; publicKey: Uint8Array } {
  const k = parseVerifierKey(text.trim());
  if (!k.ok)
    throw new ArxFailure(
      'GATEWAY_KEY_INVALID',
      `Not a gateway verifier key (<name>+<key id>+<base64>): ${k.error.message}`,
      {
        path: 'verifierKey',
      },
    );
  return { name: k.value.name, publicKey: k.value.publicKey };
}

const statusOf = (k: AdminGatewayKeyRow, now: Date): 'scheduled' | 'valid' | 'ending' | 'ended' =>
  now < k.validFrom ? 'scheduled' : !k.validTo ? 'valid' : now < k.validTo ? 'ending' : 'ended';

/** A stated time or now, in whole milliseconds. */
const at = (t: string | null) => (t ? new Date(t) : new Date(Math.floor(Date.now())));

class GatewayKeyContext {
  constructor(private readonly ctx: AdminContext) {}

  keys() {
    return adminGatewayKeys(this.ctx.pool());
  }

  async key(tenantId: string, keyName: string): Promise<AdminGatewayKeyRow> {
    const k = (await this.keys()).find((x) => x.tenantId === tenantId && x.keyName === keyName);
    if (!k) throw new ArxFailure('NOT_FOUND', `The tenant has no gateway key ${keyName}.`, { path: 'keyName' });
    return k;
  }

  /** The steps signed on the logged-in administrator's card for `purpose`. */
  steps(purpose: string, pin: string | null) {
    const op = requireOperator(this.ctx.deps.operatorAuth.session());
    const who = this.ctx.deps.operatorAuth.eventWriter() ?? {};
    const admin = new GatewayKeyAdministration(this.ctx.pool(), this.ctx.signer(op, purpose, pin), who);
    return { by: op.operatorId, admin };
  }

  outside(tenantId: string, keyName: string, from: Date) {
    return adminGatewayKeyCheckpointsAfter(this.ctx.pool(), tenantId, keyName, from);
  }
}

/** Handlers for shared/contract/domains/admin-gateway-keys.ts. */
export function gatewayKeyHandlers(ctx: AdminContext): Handlers {
  const g = new GatewayKeyContext(ctx);
  return { ...reads(g), ...changes(g) };
}

function reads(
  g: GatewayKeyContext,
): Pick<Handlers, 'admin.gatewayKeyList' | 'admin.gatewayKeyEffect' | 'admin.gatewayKeyExport'> {
  return {
    'admin.gatewayKeyList': async () => {
      const now = new Date();
      return (await g.keys()).map((k) => ({
        tenantId: k.tenantId,
        tenantSlug: k.tenantSlug,
        keyName: k.keyName,
        verifierKey: formatVerifierKey(k.keyName, new Uint8Array(k.publicKey)),
        validFrom: windowTime(k.validFrom),
        validTo: k.validTo ? windowTime(k.validTo) : null,
        status: statusOf(k, now),
        endedReason: k.endedReason,
        lastCheckpoint: k.lastCheckpoint?.toISOString() ?? null,
      }));
    },
    'admin.gatewayKeyEffect': async ({ tenantId, keyName, validTo }) => {
      const k = await g.key(tenantId, keyName);
      const end = at(validTo);
      return {
        keyName,
        validTo: windowTime(end),
        currentValidTo: k.validTo ? windowTime(k.validTo) : null,
        checkpointsOutside: await g.outside(tenantId, keyName, end),
      };
    },
    'admin.gatewayKeyExport': async ({ tenantIds }) => {
      const keys = (await g.keys()).filter((k) => !tenantIds || tenantIds.includes(k.tenantId));
      const text = gatewayKeysText(keys, new Date());
      return { text, keys: keys.length, sha256: createHash('sha256').update(text).digest('hex') };
    },
  };
}

function changes(
  g: GatewayKeyContext,
): Pick<Handlers, 'admin.gatewayKeyRegister' | 'admin.gatewayKeyRotate' | 'admin.gatewayKeyRevoke'> {
  return {
    'admin.gatewayKeyRegister': async ({ tenantId, verifierKey, validFrom, validTo, pin }) => {
      const key = parsedKey(verifierKey);
      const spec = {
        tenantId,
        keyName: key.name,
        publicKey: key.publicKey,
        validFrom: at(validFrom),
        validTo: null as Date | null,
      };
      if (validTo) spec.validTo = new Date(validTo);
      const { by, admin } = g.steps(`Register gateway key ${key.name}`, pin);
      await admin.registerGatewayKey(spec, by);
      const w = { validFrom: windowTime(spec.validFrom), validTo: spec.validTo ? windowTime(spec.validTo) : null };
      return { tenantId, keyName: key.name, ...w };
    },
    'admin.gatewayKeyRotate': async ({ tenantId, previousKey, verifierKey, validFrom, overlapSeconds, pin }) => {
      const key = parsedKey(verifierKey);
      await g.key(tenantId, previousKey);
      const from = at(validFrom);
      const previousValidTo = new Date(from.getTime() + overlapSeconds * 1000);
      const next = { tenantId, keyName: key.name, publicKey: key.publicKey, validFrom: from, validTo: null };
      const { by, admin } = g.steps(`Rotate gateway key ${previousKey} to ${key.name}`, pin);
      await admin.rotateGatewayKey({ previousKey, previousValidTo, next, by });
      return {
        keyName: key.name,
        validFrom: windowTime(from),
        previousKey,
        previousValidTo: windowTime(previousValidTo),
      };
    },
    'admin.gatewayKeyRevoke': async ({ tenantId, keyName, validTo, reason, pin }) => {
      const k = await g.key(tenantId, keyName);
      const end = at(validTo);
      const checkpointsOutside = await g.outside(tenantId, keyName, end);
      const { by, admin } = g.steps(`Revoke gateway key ${keyName}`, pin);
      await admin.revokeGatewayKey({
        tenantId,
        keyName,
        publicKey: new Uint8Array(k.publicKey),
        validTo: end,
        reason,
        by,
      });
      return { keyName, validTo: windowTime(end), checkpointsOutside };
    },
  };
}
