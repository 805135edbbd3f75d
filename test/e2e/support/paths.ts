import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const RENDERER_DIST = join(REPO_ROOT, 'dist', 'renderer');
/** Screenshots a person should look at; kept apart from Playwright's own artifacts. */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');
