import { existsSync, readFileSync, statSync } from 'node:fs';

/** What decides whether Chromium's sandbox can run on this host. */
export interface SandboxHost {
  /** The user the console runs as (null: not a POSIX system). */
  uid: number | null;
  /** Unprivileged user namespaces are available (Chromium's namespace sandbox). */
  userNamespaces: boolean;
  /** A setuid-root `chrome-sandbox` helper is installed (the older sandbox, used without namespaces). */
  setuidHelper: boolean;
}

export type SandboxDecision = { sandbox: true } | { sandbox: false; reason: string };

/**
 * Chromium keeps its sandbox unless it truly cannot run it. Chromium itself refuses to start
 * sandboxed as root (crbug.com/638180), and without user namespaces it needs the setuid helper.
 */
export function chromiumSandboxDecision(host: SandboxHost): SandboxDecision {
  if (host.uid === 0) {
    return {
      sandbox: false,
      reason:
        'Chromium runs without its sandbox: Chromium refuses its sandbox to the root user. Run the console as an ordinary user to keep it.',
    };
  }
  if (host.userNamespaces || host.setuidHelper) return { sandbox: true };
  return {
    sandbox: false,
    reason:
      'Chromium runs without its sandbox: this system allows no unprivileged user namespaces and has no setuid chrome-sandbox helper.',
  };
}

const readSysctl = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
};

/** Debian's, the kernel's and Ubuntu's AppArmor switches for unprivileged user namespaces. */
export function userNamespacesAllowed(read: (path: string) => string | null = readSysctl): boolean {
  if (read('/proc/sys/kernel/unprivileged_userns_clone') === '0') return false;
  if (read('/proc/sys/user/max_user_namespaces') === '0') return false;
  if (read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1') return false;
  return true;
}

const SETUID_HELPERS = ['/usr/lib/chromium/chrome-sandbox', '/usr/lib/chromium-browser/chrome-sandbox'];

function setuidHelperInstalled(): boolean {
  return SETUID_HELPERS.some((p) => {
    if (!existsSync(p)) return false;
    const st = statSync(p);
    return st.uid === 0 && (st.mode & 0o4000) !== 0;
  });
}

/** This host, as `chromiumSandboxDecision` needs it. */
export function probeSandboxHost(): SandboxHost {
  return {
    uid: typeof process.getuid === 'function' ? process.getuid() : null,
    userNamespaces: userNamespacesAllowed(),
    setuidHelper: setuidHelperInstalled(),
  };
}
