import { formatVerifierKey } from '../../../shared/checkpoint';
import type { DsseEnvelope } from '../../../shared/dsse';
import { Administration } from './admin-steps';

/** A gateway's checkpoint verifier key as an administrator registers it: Ed25519, with its window. */
export interface GatewayKeySpec {
  tenantId: string;
  keyName: string;
  publicKey: Uint8Array;
  validFrom: Date;
  /** null: open (until rotated or revoked). */
  validTo: Date | null;
}

/** Window times as statements, events and bundles carry them (whole milliseconds, UTC). */
export const windowTime = (d: Date): string => d.toISOString();
const b64 = (k: Uint8Array) => Buffer.from(k).toString('base64');

function keyFields(k: GatewayKeySpec) {
  return {
    tenantId: k.tenantId,
    keyName: k.keyName,
    publicKey: b64(k.publicKey),
    validFrom: windowTime(k.validFrom),
    validTo: k.validTo ? windowTime(k.validTo) : null,
  };
}

/**
 * Gateway key administration (migration 0027): register, rotate with an overlap, revoke. Each
 * statement names the tenant, the key name, the public key and the window the step sets; the
 * database checks it against the card signature and records the event in the tenant's chain.
 */
export class GatewayKeyAdministration extends Administration {
  async registerGatewayKey(k: GatewayKeySpec, by: string): Promise<void> {
    const f = keyFields(k);
    const args = (e: DsseEnvelope, c: Buffer) => [
      k.tenantId,
      k.keyName,
      Buffer.from(k.publicKey),
      f.validFrom,
      f.validTo,
      c,
      e,
    ];
    await this.step(
      k.tenantId,
      'register_gateway_key',
      args,
      { action: 'gatewaykey.register', ...f },
      {
        type: 'com.arx.gatewaykey.registered',
        subject: k.keyName,
        data: { ...f, verifierKey: formatVerifierKey(k.keyName, k.publicKey), by },
      },
    );
  }

  /** The new key's window opens at `next.validFrom`; the previous one's closes at `previousValidTo` (≥ it: the overlap). */
  async rotateGatewayKey(o: { previousKey: string; previousValidTo: Date; next: GatewayKeySpec; by: string }) {
    const f = { ...keyFields(o.next), previousKey: o.previousKey, previousValidTo: windowTime(o.previousValidTo) };
    const args = (e: DsseEnvelope, c: Buffer) => [
      o.next.tenantId,
      f.previousKey,
      f.previousValidTo,
      o.next.keyName,
      Buffer.from(o.next.publicKey),
      f.validFrom,
      f.validTo,
      c,
      e,
    ];
    await this.step(
      o.next.tenantId,
      'rotate_gateway_key',
      args,
      { action: 'gatewaykey.rotate', ...f },
      {
        type: 'com.arx.gatewaykey.rotated',
        subject: o.next.keyName,
        data: { ...f, verifierKey: formatVerifierKey(o.next.keyName, o.next.publicKey), by: o.by },
      },
    );
  }

  /** Ends the key's window at `validTo` (now, or earlier when it was compromised before). */
  async revokeGatewayKey(o: {
    tenantId: string;
    keyName: string;
    publicKey: Uint8Array;
    validTo: Date;
    reason: string;
    by: string;
  }): Promise<void> {
    const validTo = windowTime(o.validTo);
    const statement = {
      action: 'gatewaykey.revoke',
      tenantId: o.tenantId,
      keyName: o.keyName,
      validTo,
      reason: o.reason,
    };
    const args = (e: DsseEnvelope, c: Buffer) => [o.tenantId, o.keyName, validTo, o.reason, c, e];
    await this.step(o.tenantId, 'revoke_gateway_key', args, statement, {
      type: 'com.arx.gatewaykey.revoked',
      subject: o.keyName,
      data: {
        tenantId: o.tenantId,
        keyName: o.keyName,
        publicKey: b64(o.publicKey),
        validTo,
        reason: o.reason,
        by: o.by,
      },
    });
  }
}
