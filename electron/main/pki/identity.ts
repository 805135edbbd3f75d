// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { SubjectAlternativeNameExtension, type X509Certificate } from '@peculiar/x509';
import { ArxFailure } from '../../../shared/contract';
import { OID } from './oids';

/**
 * Who a CAC/PIV certificate names. The EDIPI (DoD ID number, 10 digits) is taken from the UPN
 * otherName in the subject alternative name and cross-checked against the CN
 * `LAST.FIRST[.MIDDLE].EDIPI`:
 *   CAC ID / signature certificates:  UPN = `<EDIPI>@mil` (10 digits)
 *   PIV Authentication certificates:  UPN = `<EDIPI><6 more digits>@mil` (16 digits, first 10 = EDIPI)
 */
export interface CardIdentity {
  edipi: string;
  upn: string;
  /** Which UPN form the certificate carries. */
  upnForm: 'cac-id' | 'piv-auth';
  lastName: string;
  firstName: string;
  middleName: string | null;
  /** The CN exactly as in the certificate. */
  commonName: string;
}

const UPN_CAC = /^(\d{10})@mil$/;
const UPN_PIV = /^(\d{10})\d{6}@mil$/;

/** The UPN values of the SAN, or [] when there is no SAN or no UPN in it. Throws EDIPI_MALFORMED on a SAN that does not parse. */
export function upnsOf(cert: X509Certificate): string[] {
  const raw = cert.getExtension(OID.subjectAltName);
  if (!raw) return [];
  let san: SubjectAlternativeNameExtension;
  try {
    san = new SubjectAlternativeNameExtension(raw.rawData);
  } catch (err) {
    // e.g. a UPN otherName whose value is not a UTF8String
    throw new ArxFailure(
      'EDIPI_MALFORMED',
      `The subject alternative name of "${cert.subject}" cannot be parsed: ${(err as Error).message}.`,
      {
        subject: cert.subject,
      },
    );
  }
  const upns = san.names.items.filter((n) => n.type === 'upn').map((n) => n.value);
  // @peculiar/x509 drops a general name it cannot decode; count the raw UPN otherNames to notice
  // (`asn` is the parsed ASN.1 GeneralNames the wrapper was built from; protected in its typings only).
  const rawUpns = [...(san.names as unknown as { asn: Iterable<{ otherName?: { typeId: string } }> }).asn].filter(
    (n) => n.otherName?.typeId === OID.upn,
  ).length;
  if (rawUpns !== upns.length) {
    throw new ArxFailure(
      'EDIPI_MALFORMED',
      `A UPN in the subject alternative name of "${cert.subject}" is not a UTF8String (or another DirectoryString).`,
      {
        subject: cert.subject,
      },
    );
  }
  return upns;
}

/** Extracts and cross-checks the EDIPI; throws an ArxFailure with a stable code naming the subject. */
export function cardIdentity(cert: X509Certificate): CardIdentity {
  const subject = cert.subject;
  const first = upnIdentity(cert);
  const { commonName, parts, cnEdipi } = commonNameParts(cert);
  if (cnEdipi !== first.edipi) {
    throw new ArxFailure(
      'EDIPI_MISMATCH',
      `The CN "${commonName}" names EDIPI ${cnEdipi} but the UPN names ${first.edipi}.`,
      {
        subject,
        edipi: first.edipi,
        found: cnEdipi,
      },
    );
  }
  return {
    edipi: first.edipi,
    upn: first.upn,
    upnForm: first.upnForm,
    lastName: parts[0]!,
    firstName: parts[1]!,
    middleName: parts.length === 4 ? parts[2]! : null,
    commonName,
  };
}

/** The EDIPI the UPNs of the subject alternative name carry: at least one, all the same. */
function upnIdentity(cert: X509Certificate) {
  const subject = cert.subject;
  const upns = upnsOf(cert);
  if (upns.length === 0) {
    throw new ArxFailure(
      'CERT_UPN_MISSING',
      `The certificate "${subject}" has no UPN (otherName ${OID.upn}) in its subject alternative name, so it names no EDIPI.`,
      {
        subject,
      },
    );
  }
  const parsed = upns.map((upn) => {
    const cac = UPN_CAC.exec(upn);
    if (cac) return { upn, edipi: cac[1]!, upnForm: 'cac-id' as const };
    const piv = UPN_PIV.exec(upn);
    if (piv) return { upn, edipi: piv[1]!, upnForm: 'piv-auth' as const };
    throw new ArxFailure(
      'EDIPI_MALFORMED',
      `The UPN "${upn.slice(0, 80)}" of "${subject}" is neither 10 digits @mil (CAC ID) nor 16 digits @mil (PIV Authentication).`,
      { subject, upn: upn.slice(0, 80) },
    );
  });
  const first = parsed[0]!;
  const other = parsed.find((p) => p.edipi !== first.edipi);
  if (other) {
    throw new ArxFailure(
      'EDIPI_MISMATCH',
      `The certificate "${subject}" carries UPNs for two EDIPIs (${first.edipi} and ${other.edipi}).`,
      {
        subject,
        edipi: first.edipi,
        found: other.edipi,
      },
    );
  }
  return first;
}

/** The one CN, of the form LAST.FIRST.MIDDLE.EDIPI (MIDDLE optional) with a 10-digit EDIPI. */
function commonNameParts(cert: X509Certificate) {
  const subject = cert.subject;
  const cns = cert.subjectName.getField('CN');
  if (cns.length !== 1) {
    throw new ArxFailure(
      'EDIPI_MISSING',
      `The certificate "${subject}" must have exactly one CN of the form LAST.FIRST.MIDDLE.EDIPI; it has ${cns.length}.`,
      { subject },
    );
  }
  const commonName = cns[0]!;
  const parts = commonName.split('.');
  const cnEdipi = parts[parts.length - 1]!;
  if (
    parts.length < 3 ||
    parts.length > 4 ||
    !/^\d+$/.test(cnEdipi) ||
    parts.slice(0, -1).some((p) => p.length === 0)
  ) {
    throw new ArxFailure('EDIPI_MISSING', `The CN "${commonName}" is not of the form LAST.FIRST.MIDDLE.EDIPI.`, {
      subject,
    });
  }
  if (!/^\d{10}$/.test(cnEdipi)) {
    throw new ArxFailure('EDIPI_MALFORMED', `The EDIPI "${cnEdipi}" in the CN "${commonName}" is not 10 digits.`, {
      subject,
    });
  }
  return { commonName, parts, cnEdipi };
}
