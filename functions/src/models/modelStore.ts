import type { LazyTable } from '../storage/tableClientFactory';
import { listAllEntities, storageStatus } from '../storage/tableQueries';

const partitionKey = 'models';

/** A stored model: the interface as sent, and when it was stored. */
export interface StoredModel {
  readonly dtmi: string;
  readonly model: Readonly<Record<string, unknown>>;
  readonly updatedAt: string;
}

/**
 * Device models in Table storage, one row each in one partition: a model is read by its DTMI (a
 * point read) whenever a command, a desired change or a reading is checked, and the whole set is
 * small (a fleet has tens of models, not millions), which Table storage serves at the lowest cost;
 * Cosmos DB would add nothing the read path uses.
 */
export class ModelStore {
  constructor(
    private readonly table: LazyTable,
    private readonly now: () => number = Date.now,
  ) {}

  async put(dtmi: string, model: Record<string, unknown>): Promise<StoredModel> {
    const client = await this.table.client();
    const updatedAt = new Date(this.now()).toISOString();
    await client.upsertEntity(
      {
        partitionKey,
        rowKey: encodeURIComponent(dtmi),
        dtmi,
        model: JSON.stringify(model),
        updatedAt,
      },
      'Replace',
    );
    return { dtmi, model, updatedAt };
  }

  async get(dtmi: string): Promise<StoredModel | undefined> {
    const client = await this.table.client();
    try {
      return fromRow(
        await client.getEntity<Record<string, unknown>>(partitionKey, encodeURIComponent(dtmi)),
      );
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async list(): Promise<StoredModel[]> {
    const client = await this.table.client();
    const rows = await listAllEntities<Record<string, unknown>>(
      client,
      `PartitionKey eq '${partitionKey}'`,
    );
    return rows.flatMap((row) => {
      const model = fromRow(row);
      return model ? [model] : [];
    });
  }

  /** Whether there was one to delete. */
  async delete(dtmi: string): Promise<boolean> {
    const client = await this.table.client();
    try {
      await client.deleteEntity(partitionKey, encodeURIComponent(dtmi));
      return true;
    } catch (error) {
      if (storageStatus(error) === 404) return false;
      throw error;
    }
  }
}

function fromRow(row: Record<string, unknown>): StoredModel | undefined {
  if (typeof row.dtmi !== 'string' || typeof row.model !== 'string') return undefined;
  return {
    dtmi: row.dtmi,
    model: JSON.parse(row.model) as Record<string, unknown>,
    updatedAt: String(row.updatedAt ?? ''),
  };
}
