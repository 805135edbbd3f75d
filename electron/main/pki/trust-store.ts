// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PemConverter, X509Certificate, X509Crl } from '@peculiar/x509';
import { ArxFailure } from '../../../shared/contract';

/**
 * What offline validation trusts, read from files once: the anchors (DoD roots in production, the
 * test root here), intermediates that may be used to build a path but are not trusted themselves,
 * and the CRLs. Air-gapped: nothing is ever fetched.
 */
export interface TrustStore {
  anchors: X509Certificate[];
  intermediates: X509Certificate[];
  crls: X509Crl[];
}

export interface TrustStoreDirs {
  anchors: string;
  intermediates?: string;
  crls?: string;
}

const CERT_EXT = new Set(['.pem', '.crt', '.cer', '.der']);
const CRL_EXT = new Set(['.pem', '.crl', '.der']);

/** One file's objects: every PEM block of the expected kind, or the whole file as DER. */
function decodeFile<T>(path: string, pemTags: readonly string[], make: (der: ArrayBuffer) => T): T[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new ArxFailure('PKI_FILE_INVALID', `Cannot read ${path}: ${(err as Error).message}.`, { file: path });
  }
  try {
    const text = bytes.toString('latin1');
    if (text.includes('-----BEGIN')) {
      const blocks = PemConverter.decodeWithHeaders(text).filter((b) => pemTags.includes(b.type));
      if (blocks.length === 0) throw new Error(`no ${pemTags.map((t) => `"${t}"`).join(' or ')} PEM block`);
      return blocks.map((b) => make(b.rawData));
    }
    return [make(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)];
  } catch (err) {
    throw new ArxFailure(
      'PKI_FILE_INVALID',
      `${path} is not a valid ${pemTags[0]!.toLowerCase()} (PEM or DER): ${(err as Error).message}.`,
      { file: path },
    );
  }
}

function filesIn(dir: string, exts: Set<string>): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new ArxFailure('PKI_FILE_INVALID', `Cannot read the directory ${dir}: ${(err as Error).message}.`, {
      file: dir,
    });
  }
  return names
    .filter((n) => exts.has(extname(n).toLowerCase()))
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile())
    .sort();
}

export function loadTrustStore(dirs: TrustStoreDirs): TrustStore {
  const certs = (dir: string | undefined) =>
    dir ? filesIn(dir, CERT_EXT).flatMap((f) => decodeFile(f, ['CERTIFICATE'], (d) => new X509Certificate(d))) : [];
  const anchors = certs(dirs.anchors);
  if (anchors.length === 0)
    throw new ArxFailure('PKI_FILE_INVALID', `No trust anchor certificates in ${dirs.anchors}.`, {
      file: dirs.anchors,
    });
  return {
    anchors,
    intermediates: certs(dirs.intermediates),
    crls: dirs.crls
      ? filesIn(dirs.crls, CRL_EXT).flatMap((f) => decodeFile(f, ['X509 CRL', 'CRL'], (d) => new X509Crl(d)))
      : [],
  };
}
