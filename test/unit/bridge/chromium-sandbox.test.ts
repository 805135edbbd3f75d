import { describe, expect, it } from 'vitest';
import { chromiumSandboxDecision, userNamespacesAllowed } from '../../../electron/main/bridge/chromium-sandbox';

describe('the Chromium sandbox decision', () => {
  it('keeps the sandbox for an ordinary user with user namespaces or the setuid helper', () => {
    expect(chromiumSandboxDecision({ uid: 1000, userNamespaces: true, setuidHelper: false })).toEqual({
      sandbox: true,
    });
    expect(chromiumSandboxDecision({ uid: 1000, userNamespaces: false, setuidHelper: true })).toEqual({
      sandbox: true,
    });
    expect(chromiumSandboxDecision({ uid: null, userNamespaces: true, setuidHelper: false })).toEqual({
      sandbox: true,
    });
  });

  it('drops it only when it cannot run, and says why', () => {
    const root = chromiumSandboxDecision({ uid: 0, userNamespaces: true, setuidHelper: true });
    expect(root.sandbox).toBe(false);
    expect(!root.sandbox && root.reason).toMatch(/root/);
    const bare = chromiumSandboxDecision({ uid: 1000, userNamespaces: false, setuidHelper: false });
    expect(bare.sandbox).toBe(false);
    expect(!bare.sandbox && bare.reason).toMatch(/user namespaces/);
    expect(chromiumSandboxDecision({ uid: 0, userNamespaces: false, setuidHelper: false }).sandbox).toBe(false);
  });

  it('reads the kernel switches for unprivileged user namespaces', () => {
    const sysctl = (values: Record<string, string>) => (p: string) => values[p] ?? null;
    expect(userNamespacesAllowed(sysctl({}))).toBe(true);
    expect(userNamespacesAllowed(sysctl({ '/proc/sys/kernel/unprivileged_userns_clone': '1' }))).toBe(true);
    expect(userNamespacesAllowed(sysctl({ '/proc/sys/kernel/unprivileged_userns_clone': '0' }))).toBe(false);
    expect(userNamespacesAllowed(sysctl({ '/proc/sys/user/max_user_namespaces': '0' }))).toBe(false);
    expect(userNamespacesAllowed(sysctl({ '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1' }))).toBe(
      false,
    );
  });
});
