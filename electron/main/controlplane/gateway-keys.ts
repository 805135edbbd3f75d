import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import type pg from 'pg';
import { insertGatewayKey } from './repos/checkpoints';

/** A gateway's checkpoint signing key. The private half never enters the database. */
export interface GatewayKey {
  name: string;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  validFrom: Date;
}

/**
 * The embedded demo's gateway keys, one per tenant, kept in the data directory (mode 0600) the
 * way a real gateway keeps its key on its own host. Key names follow the C2SP note rules (no
 * spaces, no '+').
 */
export function loadOrCreateGatewayKey(dataDir: string, tenantSlug: string, now = new Date()): GatewayKey {
  const dir = join(dataDir, 'gateway-keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${tenantSlug}.json`);
  if (existsSync(file)) {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { name: string; secretKey: string; validFrom: string };
    const secretKey = new Uint8Array(Buffer.from(j.secretKey, 'base64'));
    return { name: j.name, secretKey, publicKey: ed25519.getPublicKey(secretKey), validFrom: new Date(j.validFrom) };
  }
  const secretKey = ed25519.utils.randomSecretKey();
  const key = {
    name: `arx-gateway.${tenantSlug}.1`,
    secretKey,
    publicKey: ed25519.getPublicKey(secretKey),
    validFrom: now,
  };
  writeFileSync(
    file,
    JSON.stringify({
      name: key.name,
      secretKey: Buffer.from(secretKey).toString('base64'),
      validFrom: now.toISOString(),
    }),
    {
      mode: 0o600,
    },
  );
  return key;
}

/** Registers a public key with its validity window (admin role: the gateway may not enrol its own keys). */
export async function registerGatewayKey(
  admin: pg.Pool | pg.ClientBase,
  tenantId: string,
  key: GatewayKey,
  validTo: Date | null = null,
): Promise<void> {
  await insertGatewayKey(admin, tenantId, {
    keyName: key.name,
    publicKey: key.publicKey,
    validFrom: key.validFrom,
    validTo,
  });
}
