import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  recipientFromRecoveryFile,
  recoveryUnwrapper,
  type Recipient,
  type Unwrapper,
} from '../../../electron/main/cache/key-wrap';

/**
 * A software key pair in place of a card (same Recipient/Unwrapper interface): the card itself is
 * tested with SoftHSM2 in test/integration/cache/card-unlock.test.ts.
 */
export function softwareKeys(kind: 'ec' | 'rsa' = 'ec'): {
  recipient: Recipient;
  unwrapper: Unwrapper;
  privatePem: string;
} {
  const kp =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = (kp.publicKey as KeyObject).export({ type: 'spki', format: 'pem' }) as string;
  const privatePem = (kp.privateKey as KeyObject).export({ type: 'pkcs8', format: 'pem' }) as string;
  return {
    recipient: recipientFromRecoveryFile(Buffer.from(pub), 'mem'),
    unwrapper: recoveryUnwrapper(Buffer.from(privatePem), null, 'mem'),
    privatePem,
  };
}

export { asyncFailureCode, failureCode } from '../../support/failure-code';
