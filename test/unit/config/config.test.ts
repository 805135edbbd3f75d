import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArxFailure } from '../../../shared/contract';
import { defaultCardModule, lineColumn, loadConfig } from '../../../electron/main/config/config';

const dir = mkdtempSync(join(tmpdir(), 'arx-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

function failure(fn: () => unknown): ArxFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof ArxFailure) return err;
    throw err;
  }
  throw new Error('expected an ArxFailure');
}

describe('configuration', () => {
  it('defaults: UNCLASSIFIED, DoD notice, embedded control plane, OpenSC module', () => {
    const c = loadConfig({ HOME: dir });
    expect(c.classification).toBe('UNCLASSIFIED');
    expect(c.consentText).toMatch(/^You are accessing a U\.S\. Government \(USG\) Information System/);
    expect(c.controlPlane.mode).toBe('embedded');
    expect(c.card.module).toBe(defaultCardModule());
    expect(c.idleLockMinutes).toBe(15);
  });

  it('a database URL alone selects the external control plane', () => {
    expect(loadConfig({ HOME: dir, ARX_DATABASE_URL: 'postgres://db/arx' }).controlPlane.mode).toBe('external');
  });

  it('reads a config file and lets ARX_* variables override it', () => {
    const p = file(
      'ok.json',
      JSON.stringify({ classification: 'SECRET', classificationCaveat: 'NOFORN', idleLockMinutes: 5 }),
    );
    const c = loadConfig({ HOME: dir, ARX_CONFIG: p });
    expect([c.classification, c.classificationCaveat, c.idleLockMinutes, c.configFile]).toEqual([
      'SECRET',
      'NOFORN',
      5,
      p,
    ]);
    expect(loadConfig({ HOME: dir, ARX_CONFIG: p, ARX_CLASSIFICATION: 'CUI' }).classification).toBe('CUI');
  });

  it('bad JSON is reported with file, line and column', () => {
    const p = file('bad.json', '{\n  "classification": "SECRET",\n  oops\n}');
    const f = failure(() => loadConfig({ HOME: dir, ARX_CONFIG: p }));
    expect(f.code).toBe('CONFIG_INVALID');
    expect(f.message).toContain(`${p}:3:3`);
    expect(f.details).toMatchObject({ file: p, line: 3, column: 3 });
  });

  it('a wrong field is reported with its path', () => {
    const p = file('field.json', JSON.stringify({ controlPlane: { mode: 'cloud' } }));
    const f = failure(() => loadConfig({ HOME: dir, ARX_CONFIG: p }));
    expect(f.code).toBe('CONFIG_INVALID');
    expect(f.details).toMatchObject({ file: p, path: 'controlPlane.mode' });
  });

  it('an unknown field is refused rather than ignored (a typo must not silently weaken a setting)', () => {
    const p = file('typo.json', JSON.stringify({ idleLockMinuts: 1 }));
    const f = failure(() => loadConfig({ HOME: dir, ARX_CONFIG: p }));
    expect(f.code).toBe('CONFIG_INVALID');
    expect(f.message).toContain('idleLockMinuts');
  });

  it('an unreadable file is CONFIG_UNREADABLE naming the file', () => {
    const p = join(dir, 'missing.json');
    const f = failure(() => loadConfig({ HOME: dir, ARX_CONFIG: p }));
    expect(f.code).toBe('CONFIG_UNREADABLE');
    expect(f.message).toContain(p);
  });

  it('refuses an unknown classification level in the environment', () => {
    const f = failure(() => loadConfig({ HOME: dir, ARX_CLASSIFICATION: 'SORTA SECRET' }));
    expect(f.code).toBe('CONFIG_INVALID');
    expect(f.details).toEqual({ variable: 'ARX_CLASSIFICATION' });
  });

  it('lineColumn counts from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
