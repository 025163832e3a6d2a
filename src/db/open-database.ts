import type { Driver } from './driver.ts';
import { startEmbedded } from './embedded-postgres.ts';
import { PostgresDriver, redactUrl } from './postgres-driver.ts';

/**
 * Opens the database a run works in: the server at `url` when given, else a fresh
 * embedded PostgreSQL that is stopped and removed when the driver closes.
 */
export async function openDatabase(url?: string): Promise<Driver> {
  if (url) return PostgresDriver.open({ url, description: redactUrl(url) });
  const server = await startEmbedded();
  return PostgresDriver.open({ url: server.url, description: 'embedded PostgreSQL', onClose: server.stop });
}
