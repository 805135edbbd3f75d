import { ArxFailure } from '../../../shared/contract';
import { parseWitnessKey, type CosignatureVerifier } from '../../../shared/witness';

/**
 * Trusted witness keys from a file's text: one vkey a line (`<name>+<key id>+<base64(0x04 ‖ key)>`,
 * c2sp.org/signed-note), blank lines and lines starting with # skipped. A bad line fails with its
 * code and `file:line`.
 */
export function parseTrustedWitnessKeys(text: string, file: string, path = 'witness-key'): CosignatureVerifier[] {
  return text.split('\n').flatMap((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return [];
    const k = parseWitnessKey(line);
    if (!k.ok) throw new ArxFailure(k.error.code, `${file}:${i + 1}: ${k.error.message}`, { path });
    return [k.value];
  });
}
