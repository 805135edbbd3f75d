import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file so that tests run from any working directory. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Third-party test vectors kept in the repository, each with its provenance and licence (README there). */
export const testVectors = (name: string): string => path.resolve(repoRoot, 'test', 'unit', 'crypto', 'vectors', name);
