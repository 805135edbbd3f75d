import { parseStrictJson } from '../../../../shared/bundle';
import type { VerifyState } from './state';

/** A member's strict JSON, or undefined after a finding under `members`. */
export function jsonOf(s: VerifyState, name: string, bytes: Uint8Array): unknown {
  const p = parseStrictJson(bytes, name, s.limits.maxJsonDepth);
  if (!p.ok) {
    s.checks.fail('members', p.error.code, p.error.message, p.error.location);
    return undefined;
  }
  return p.value;
}

interface Schema<T> {
  safeParse(
    v: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

/** The value checked against its schema, or undefined after a finding naming the first problem. */
export function schemaOf<T>(s: VerifyState, name: string, v: unknown, schema: Schema<T>): T | undefined {
  if (v === undefined) return undefined;
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  s.checks.fail(
    'members',
    'BUNDLE_MEMBER_INVALID',
    `${name}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
    { member: name, path: i.path.map(String).join('.') },
  );
  return undefined;
}

/** A small member as JSON checked against its schema. */
export function memberOf<T>(s: VerifyState, name: string, bytes: Uint8Array, schema: Schema<T>): T | undefined {
  return schemaOf(s, name, jsonOf(s, name, bytes), schema);
}
