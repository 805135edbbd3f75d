import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdminSigner } from '../../electron/main/administration/admin-steps';
import type { LoginEnroller } from '../../electron/main/administration/bootstrap';
import type { ProvisionedTestCards, TestCardSpec } from '../../electron/main/card/test-cards';
import { enrolOperatorLogin, operatorRoleName } from '../../electron/main/controlplane/repos/operator-logins';
import { wrapOperatorPassword, type PreparedOperatorLogin } from '../../electron/main/crypto/operator-login-wrap';
import { randomDatabasePassword, scramSha256Verifier } from '../../electron/main/crypto/scram';

/** Good EC test cards of people the shared test cards do not name (administrators and operators). */
export function personCards(people: [last: string, first: string, edipi: string][]): TestCardSpec[] {
  return people.map(([last, first, edipi]) => ({
    label: `ARX TEST ${last}`,
    keyType: 'ec',
    case: 'good',
    person: { last, first, middle: 'T', edipi },
    roles: [],
    expect: null,
  }));
}

/** A person's replacement card: same name and EDIPI, new keys and certificates (label `ARX NEW <LAST>`: OpenSC matches a token label by prefix). */
export function replacementCard(person: [last: string, first: string, edipi: string]): TestCardSpec {
  return { ...personCards([person])[0]!, label: `ARX NEW ${person[0]}` };
}

/** A re-enrolment's new credential, made like the console's, also kept in `passwords` for the test. */
export function capturingLogin(passwords: Map<string, string>) {
  return (role: string, kmDer: Uint8Array): PreparedOperatorLogin => {
    const pw = randomDatabasePassword();
    passwords.set(role, pw);
    return { scramVerifier: scramSha256Verifier(pw), ...wrapOperatorPassword(Buffer.from(pw, 'ascii'), role, kmDer) };
  };
}

/**
 * A login enroller that also keeps each password for the test (so that it can connect as the
 * operator without going through the console's card login); the wrap is the real one.
 */
export function capturingEnroller(passwords: Map<string, string>): LoginEnroller {
  return async (c, operatorId, kmDer) => {
    const role = operatorRoleName(operatorId);
    const pw = randomDatabasePassword();
    passwords.set(role, pw);
    const { wrap, wrapKeySha256 } = wrapOperatorPassword(Buffer.from(pw, 'ascii'), role, kmDer);
    return enrolOperatorLogin(c, { operatorId, scramVerifier: scramSha256Verifier(pw), wrap, wrapKeySha256 });
  };
}

/** Signs on the SoftHSM2 card's Digital Signature key (PIV 9C) with OpenSC's pkcs11-tool: ECDSA, DER. */
export function cardSigner(cards: ProvisionedTestCards, label: string): AdminSigner {
  const card = cards.cards.find((c) => c.label === label)!;
  const cert = card.certificates.find((c) => c.usage === 'signature')!;
  return {
    async signDigest(digest) {
      const dir = mkdtempSync(join(tmpdir(), 'arx-sign-'));
      try {
        writeFileSync(join(dir, 'digest'), digest);
        execFileSync(
          'pkcs11-tool',
          [
            ...['--module', cards.module, '--token-label', label, '--login', '--pin', card.pin, '--sign'],
            ...['--id', '02', '-m', 'ECDSA', '--signature-format', 'openssl'],
            ...['-i', join(dir, 'digest'), '-o', join(dir, 'sig')],
          ],
          { env: { ...process.env, SOFTHSM2_CONF: cards.softhsm2Conf }, stdio: ['ignore', 'ignore', 'pipe'] },
        );
        return { signature: new Uint8Array(readFileSync(join(dir, 'sig'))), certificateSha256: cert.sha256 };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
