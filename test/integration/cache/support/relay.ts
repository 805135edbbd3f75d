import net from 'node:net';
import type pg from 'pg';
import { expect } from 'vitest';
import type { ConsoleServices } from '../../../../electron/main/composition/console-services';

/** A TCP relay to PostgreSQL that can be closed (the database "goes away") and opened again on the same port. */
export class Relay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: number) {}
  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        // One side failing ends the pair: the other must not linger half-open.
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((res) => server.listen(this.port, '127.0.0.1', () => res()));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }
  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise<void>((res) => s.close(() => res()));
  }
}

/**
 * The control plane becomes unreachable for this console: the relay is closed (every connection
 * dropped, new ones refused). Background reads are let finish first, so that what the test then
 * does offline is not raced by a read that started online.
 */
export async function cutDatabase(services: ConsoleServices, relay: Relay): Promise<void> {
  const pool = (services.controlPlane as unknown as { pool: pg.Pool | null }).pool;
  for (let i = 0; i < 200 && pool && pool.totalCount !== pool.idleCount; i++)
    await new Promise((r) => setTimeout(r, 50));
  await relay.close();
  expect(await services.controlPlane.ping()).toBe(false);
  expect(services.controlPlane.status().state).toBe('unreachable');
}

/** The control plane is reachable again on the same port. */
export async function restoreDatabase(services: ConsoleServices, relay: Relay): Promise<void> {
  await relay.open();
  expect(await services.controlPlane.ping()).toBe(true);
}
