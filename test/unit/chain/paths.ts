import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file so that tests run from any working directory. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The shared/ folder that lies beside the repository (not in it): vectors live there. */
export const sharedVectors = (name: string): string => path.resolve(repoRoot, '..', 'shared', 'vectors', name);
