import type pg from 'pg';

/**
 * What a repository function queries through: a pool, a pooled client inside a transaction
 * (withTenant, lockChain) or a bare client. Repositories take it as their first argument so the
 * caller decides the transaction.
 */
export type Queryable = Pick<pg.Pool | pg.PoolClient | pg.Client, 'query'>;
