import { ed25519Signer } from '../../../shared/checkpoint';

export const TENANT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
export const OTHER_TENANT = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';

/** Deterministic test keys: Ed25519 signing is deterministic (RFC 8032), so notes are too. */
const seed = (b: number) => new Uint8Array(32).fill(b);
export const gatewayKey = ed25519Signer(`arx.gateway/${TENANT}`, seed(0x11));
export const witnessKey = ed25519Signer('witness.arx.example/1', seed(0x22));
export const strangerKey = ed25519Signer('stranger.example/log', seed(0x33));
/** Same name as the gateway key, different key: must count as unknown, not as the gateway. */
export const impostorKey = ed25519Signer(`arx.gateway/${TENANT}`, seed(0x44));
