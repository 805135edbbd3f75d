import { realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ArxFailure, type FileArg } from '../../../shared/contract';
import type { CallContext } from './registry';

/** The folders a FileArg may be bound to, on this workstation. */
export interface FileFolders {
  readonly bundles: string;
}

/**
 * Where a file argument points, decided from the text alone (pure): relative paths go into the
 * argument's folder (CLI: its working directory when it has none), `..` never leaves a folder.
 */
export function resolveFileArg(
  raw: string,
  spec: FileArg,
  adapter: CallContext['adapter'],
  folders: FileFolders | null,
  cwd: string,
): { path: string; folder: string | null } {
  if (raw.length === 0 || raw.includes('\0'))
    throw new ArxFailure('FILE_PATH_INVALID', 'The file path is empty or holds a NUL byte.');
  if (spec.inside) {
    const folder = folders?.[spec.inside] ?? null;
    if (raw.split(/[\\/]/).includes('..'))
      throw new ArxFailure('FILE_OUTSIDE_FOLDER', `'..' is not followed out of the ${spec.inside} folder.`, {
        folder,
      });
    // The CLI's user names any file from their own shell (as bundle export --out does).
    if (adapter === 'cli' && isAbsolute(raw)) return { path: raw, folder: null };
    if (!folder) throw new ArxFailure('FILE_OUTSIDE_FOLDER', `No ${spec.inside} folder is configured.`, { folder });
    return { path: isAbsolute(raw) ? raw : join(folder, raw), folder };
  }
  if (isAbsolute(raw)) return { path: resolve(raw), folder: null };
  if (adapter === 'cli') return { path: resolve(cwd, raw), folder: null };
  throw new ArxFailure('FILE_PATH_INVALID', 'Give the full path of the file (it starts with /).');
}

const kindOf = (st: Stats): string =>
  st.isDirectory()
    ? 'directory'
    : st.isFIFO()
      ? 'fifo'
      : st.isCharacterDevice()
        ? 'character-device'
        : st.isBlockDevice()
          ? 'block-device'
          : st.isSocket()
            ? 'socket'
            : 'other';

const inside = (folder: string, path: string): boolean => {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
};

/**
 * Checks one file argument on disk: it exists, is a regular file (stat only: a FIFO or a device
 * is never opened), is at most `maxBytes`, and resolves (symlinks followed) inside its folder.
 * Returns the path the handler reads.
 */
export function checkFileArg(
  raw: string,
  spec: FileArg,
  adapter: CallContext['adapter'],
  folders: FileFolders | null,
  cwd = process.cwd(),
): string {
  const { path, folder } = resolveFileArg(raw, spec, adapter, folders, cwd);
  let st: Stats;
  let real: string;
  try {
    st = statSync(path);
    real = realpathSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ArxFailure('FILE_NOT_FOUND', `No file at ${path}.`);
    throw new ArxFailure('FILE_UNREADABLE', `${path} cannot be read (${code ?? 'error'}).`);
  }
  if (folder !== null) {
    let realFolder: string;
    try {
      realFolder = realpathSync(folder);
    } catch {
      throw new ArxFailure('FILE_NOT_FOUND', `No file at ${path} (the ${spec.inside} folder does not exist).`);
    }
    if (!inside(realFolder, real))
      throw new ArxFailure('FILE_OUTSIDE_FOLDER', `${path} is not inside the ${spec.inside} folder ${folder}.`, {
        folder,
      });
  }
  if (!st.isFile())
    throw new ArxFailure('FILE_NOT_REGULAR', `${path} is not a regular file (${kindOf(st)}).`, { kind: kindOf(st) });
  if (st.size > spec.maxBytes)
    throw new ArxFailure('FILE_TOO_LARGE', `${path} is ${st.size} bytes; at most ${spec.maxBytes} are taken here.`, {
      bytes: st.size,
      maxBytes: spec.maxBytes,
    });
  return path;
}

/** Every file argument of a validated request checked; the request with the paths the handler reads. */
export function checkFileArgs(
  files: Readonly<Record<string, FileArg | undefined>> | undefined,
  request: unknown,
  adapter: CallContext['adapter'],
  folders: FileFolders | null,
): unknown {
  if (!files) return request;
  const out = { ...(request as Record<string, unknown>) };
  const checked = (raw: string, spec: FileArg, path: string) => {
    try {
      return checkFileArg(raw, spec, adapter, folders);
    } catch (err) {
      if (err instanceof ArxFailure) throw new ArxFailure(err.code, err.message, { ...(err.details ?? {}), path });
      throw err;
    }
  };
  for (const [field, spec] of Object.entries(files)) {
    const raw = out[field];
    if (!spec) continue;
    if (typeof raw === 'string') out[field] = checked(raw, spec, field);
    // A list names one file per item; a failure says which (`recipientFiles.1`).
    else if (Array.isArray(raw)) out[field] = raw.map((r, i) => checked(String(r), spec, `${field}.${i}`));
  }
  return out;
}
