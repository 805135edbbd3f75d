import 'reflect-metadata';
// Test fixture: SoftHSM2 tokens laid out like PIV cards, in a temporary directory of their own
// (own SOFTHSM2_CONF and token directory; nothing system-wide is touched).
//
// Keys are generated on the token with pkcs11-tool under the PIV ids and OpenSC labels; each
// certificate is self-signed by the token's own key: @peculiar/x509 builds the certificate, the
// TBSCertificate is signed on the token with `pkcs11-tool --sign`, and the signature is put back
// into the certificate with @peculiar/asn1-schema before `pkcs11-tool --write-object`.
import { execFileSync } from 'node:child_process';
import { createHash, webcrypto } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export type KeyType = 'ec' | 'rsa';

export interface TokenSpec {
  label: string;
  pin: string;
  soPin?: string;
  keyType: KeyType;
  /** PIV Authentication certificate made for a different (software) key: the card's key does not match. */
  mismatchedAuthCert?: boolean;
}

export interface SoftHsmFixture {
  dir: string;
  conf: string;
  tokenDir: string;
  module: string;
  /** Creates a token with keys 01 (PIV AUTH) and 02 (SIGN, CKA_ALWAYS_AUTHENTICATE) and their certificates. */
  addToken(spec: TokenSpec): Promise<void>;
  /** DER of the certificate written under the given id (hex, e.g. '01') of a token. */
  certificate(label: string, id: string): Uint8Array;
  /** Runs softhsm2-util with this fixture's configuration. */
  util(args: string[]): string;
  cleanup(): void;
}

const PIV_OBJECTS = [
  { id: '01', key: 'PIV AUTH key', cert: 'Certificate for PIV Authentication', alwaysAuth: false },
  { id: '02', key: 'SIGN key', cert: 'Certificate for Digital Signature', alwaysAuth: true },
] as const;

/**
 * Makes the fixture and points this process at it (SOFTHSM2_CONF must be set in the process
 * environment before the module's C_Initialize: SoftHSM2 reads it with getenv()).
 */
export function createSoftHsm(): SoftHsmFixture {
  const dir = mkdtempSync(join(tmpdir(), 'arx-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = true\n`,
  );
  process.env.SOFTHSM2_CONF = conf;
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const run = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const p11 = (label: string, pin: string, args: string[]) =>
    run('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', label, '--login', '--pin', pin, ...args]);
  const certs = new Map<string, Uint8Array>();

  function tokenSign(label: string, pin: string, id: string, keyType: KeyType, data: Uint8Array): Uint8Array {
    const inFile = join(dir, 'tbs.bin');
    const outFile = join(dir, 'sig.bin');
    // SoftHSM2 has no CKM_ECDSA_SHA256: hash here, sign the digest with CKM_ECDSA.
    writeFileSync(inFile, keyType === 'ec' ? createHash('sha256').update(data).digest() : data);
    const mech = keyType === 'ec' ? ['-m', 'ECDSA', '--signature-format', 'openssl'] : ['-m', 'SHA256-RSA-PKCS'];
    p11(label, pin, ['--sign', '--id', id, ...mech, '--input-file', inFile, '--output-file', outFile]);
    return new Uint8Array(readFileSync(outFile));
  }

  async function makeCert(
    spec: TokenSpec,
    id: string,
    subject: string,
    publicKeyDer: Uint8Array,
    selfSignOnToken: boolean,
  ): Promise<Uint8Array> {
    const alg =
      spec.keyType === 'ec'
        ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
        : {
            name: 'RSASSA-PKCS1-v1_5',
            hash: 'SHA-256',
            publicExponent: new Uint8Array([1, 0, 1]),
            modulusLength: 2048,
          };
    // A throwaway software key signs a first version; its signature is replaced by the token's.
    const placeholder = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const publicKey = selfSignOnToken ? new x509.PublicKey(publicKeyDer.slice().buffer) : placeholder.publicKey;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: '0' + Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
      subject,
      issuer: subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 365 * 86_400_000),
      signingAlgorithm: alg,
      publicKey,
      signingKey: placeholder.privateKey,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      ],
    });
    if (!selfSignOnToken) return new Uint8Array(cert.rawData);
    const parsed = AsnConvert.parse(cert.rawData, Certificate);
    const tbs = new Uint8Array(AsnConvert.serialize(parsed.tbsCertificate));
    parsed.signatureValue = tokenSign(spec.label, spec.pin, id, spec.keyType, tbs).slice().buffer;
    return new Uint8Array(AsnConvert.serialize(parsed));
  }

  return {
    dir,
    conf,
    tokenDir,
    module: SOFTHSM_MODULE,
    async addToken(spec) {
      const soPin = spec.soPin ?? '12345678';
      run('softhsm2-util', ['--init-token', '--free', '--label', spec.label, '--so-pin', soPin, '--pin', spec.pin]);
      for (const o of PIV_OBJECTS) {
        const keyType = spec.keyType === 'ec' ? 'EC:prime256v1' : 'rsa:2048';
        const always = o.alwaysAuth ? ['--always-auth'] : [];
        p11(spec.label, spec.pin, [
          '--keypairgen',
          '--key-type',
          keyType,
          '--id',
          o.id,
          '--label',
          o.key,
          '--usage-sign',
          ...always,
        ]);
        const pubFile = join(dir, 'pub.der');
        p11(spec.label, spec.pin, ['--read-object', '--type', 'pubkey', '--id', o.id, '--output-file', pubFile]);
        const spki = new Uint8Array(readFileSync(pubFile));
        const onToken = !(o.id === '01' && spec.mismatchedAuthCert);
        const der = await makeCert(spec, o.id, `CN=TEST.${spec.label.toUpperCase()}.${o.id}`, spki, onToken);
        const certFile = join(dir, 'cert.der');
        writeFileSync(certFile, der);
        p11(spec.label, spec.pin, ['--write-object', certFile, '--type', 'cert', '--id', o.id, '--label', o.cert]);
        certs.set(`${spec.label}/${o.id}`, der);
      }
    },
    certificate(label, id) {
      const der = certs.get(`${label}/${id}`);
      if (!der) throw new Error(`no certificate ${id} on ${label}`);
      return der;
    },
    util: (args) => run('softhsm2-util', args),
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
