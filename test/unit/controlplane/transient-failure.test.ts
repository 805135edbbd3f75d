import { describe, expect, it } from 'vitest';
import { ArxFailure } from '../../../shared/contract';
import { isTransient } from '../../../electron/main/controlplane/transient-failure';

/** What stops an outbox run to retry later, versus what rejects the item for good. */
describe('outbox: transient failures', () => {
  it.each([
    ['08006', 'connection failure'],
    ['57P01', 'admin shutdown'],
    ['53300', 'too many connections'],
    ['40001', 'serialization failure'],
    ['28P01', 'password authentication failed (a rotated password)'],
    ['28000', 'invalid authorization (pg_hba)'],
    ['ECONNREFUSED', 'server down'],
  ])('SQLSTATE/errno %s (%s) is retried', (code) => {
    expect(isTransient(Object.assign(new Error('x'), { code }))).toBe(true);
  });

  it.each([['23505'], ['22P02'], ['42501'], ['P0001']])('SQLSTATE %s is the item’s own failure', (code) => {
    expect(isTransient(Object.assign(new Error('x'), { code }))).toBe(false);
  });

  it('ArxFailure codes: unreachable/locked are retried, data refusals are not', () => {
    expect(isTransient(new ArxFailure('DB_UNREACHABLE', 'x'))).toBe(true);
    expect(isTransient(new ArxFailure('CACHE_LOCKED', 'x'))).toBe(true);
    expect(isTransient(new ArxFailure('REVIEW_CHAIN_CHANGED', 'x'))).toBe(false);
  });

  it('pg’s own connection messages without a code are retried', () => {
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient(new Error('duplicate key value violates unique constraint'))).toBe(false);
  });
});
