/** A picked file as admin.operatorCheck / admin.operatorEnrol take it: its name and its bytes, base64. */
export interface CertificateFile {
  name: string;
  base64: string;
}

const MAX_BYTES = 256 * 1024;

/** Reads the files the user picked (nothing else is reachable from here); refuses oversized ones. */
export async function readPickedFiles(files: readonly File[]): Promise<CertificateFile[]> {
  const out: CertificateFile[] = [];
  for (const f of files) {
    if (f.size > MAX_BYTES) throw new Error(`${f.name} is larger than 256 KiB: not a certificate file.`);
    const bytes = new Uint8Array(await f.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    out.push({ name: f.name, base64: btoa(binary) });
  }
  return out;
}
