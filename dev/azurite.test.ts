import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { startAzurite } from './azurite';

describe('the Azurite launcher', () => {
  it('creates a --data directory that does not exist yet, and keeps data across restarts', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'fieldline-data-'));
    const dataDir = path.join(root, 'not', 'there', 'yet');
    try {
      const first = await startAzurite({ dataDir });
      const table = (connection: string) =>
        TableClient.fromConnectionString(connection, 'kept', { allowInsecureConnection: true });
      await table(first.connectionString).createTable();
      await table(first.connectionString).createEntity({
        partitionKey: 'p',
        rowKey: 'r',
        value: 42,
      });
      await first.stop();

      const second = await startAzurite({ dataDir });
      try {
        expect(
          (await table(second.connectionString).getEntity<{ value: number }>('p', 'r')).value,
        ).toBe(42);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
