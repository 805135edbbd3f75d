import { gzipSync } from 'node:zlib';
import { utf8 } from '../../shared/bytes';
import {
  bodyMembers,
  derive,
  readInputs,
  seal,
  validModel,
  type Inputs,
  type Member,
  type Model,
  type SealOptions,
} from './model';
import { headerOffset, rawHeader, writeTar } from './tar';

/** One conformance vector: how it is made and what a verifier must say of it. */
export interface VectorSpec {
  name: string;
  /** The tamper class (README): members, manifest, signatures, certificates, checkpoints, … */
  class: string;
  description: string;
  exit: 0 | 1 | 2;
  /** Exact finding codes (sorted, with repeats); for exit 2 the one fatal code. */
  codes: string[];
  /** Warning codes (sorted), when the vector has any. */
  warnings?: string[];
  make: (c: Ctx) => Uint8Array;
}

export interface Ctx {
  inputs: Inputs;
  /** Members of a bundle: the model (changed by `model`), the body (changed by `body`), sealed. */
  members(o?: { model?: (m: Model) => void; body?: (b: Member[]) => Member[]; seal?: SealOptions }): Member[];
  tar(o?: Parameters<Ctx['members']>[0]): Uint8Array;
}

export function context(dir: string): Ctx {
  const inputs = readInputs(dir);
  const members: Ctx['members'] = (o = {}) => {
    const m = validModel();
    o.model?.(m);
    const body = bodyMembers(m, inputs);
    return seal(o.body ? o.body(body) : body, m, inputs, o.seal);
  };
  return { inputs, members, tar: (o) => writeTar(members(o)) };
}

export const replace = (name: string, f: (d: Uint8Array) => Uint8Array) => (b: Member[]) =>
  b.map((m) => (m.name === name ? { name, data: f(m.data) } : m));
export const text = (f: (s: string) => string) => (d: Uint8Array) => utf8(f(Buffer.from(d).toString('utf8')));
/** A JSON document a vector edits at arbitrary paths (tampering is untyped by nature). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const jsonEdit = (f: (v: Json) => void) =>
  text((s) => {
    const v = JSON.parse(s);
    f(v);
    return JSON.stringify(v);
  });
export const flip = (d: Uint8Array, at: number) => {
  const b = new Uint8Array(d);
  b[at < 0 ? b.length + at : at]! ^= 0x01;
  return b;
};
export { derive, writeTar, rawHeader, headerOffset, gzipSync };
