import type { TableEntityResult } from '@azure/data-tables';
import {
  doubleProperty,
  type EntityOperation,
  maxOperationsPerTransaction,
  submitEntityGroup,
} from '../platform/entityGroupTransaction';
import type { LazyTable } from '../platform/tableClientFactory';
import { listAllEntities, newestFirstKey, odataString } from '../platform/tableQueries';
import { deviceRowKey } from './deviceKeys';
import type { Rejection, RejectionReason } from './rejection';

const maxSampleChars = 512;

/**
 * Rejected readings, one partition per device. Keys are derived from the hub message, so saving
 * the same batch again overwrites rather than duplicates.
 */
export class RejectionStore {
  constructor(private readonly table: LazyTable) {}

  async save(rejections: readonly Rejection[]): Promise<void> {
    if (rejections.length === 0) return;
    const byDevice = new Map<string, EntityOperation[]>();
    const perMessageIndex = new Map<string, number>();
    for (const rejection of rejections) {
      const messageKey = `${rejection.partitionId}/${rejection.sequenceNumber}`;
      const index = perMessageIndex.get(messageKey) ?? 0;
      perMessageIndex.set(messageKey, index + 1);
      const partitionKey = deviceRowKey(rejection.deviceId);
      const entity = {
        PartitionKey: partitionKey,
        RowKey: rowKeyFor(rejection, index),
        ...rejection,
        ...doubleProperty('sequenceNumber', rejection.sequenceNumber),
        sample: rejection.sample.slice(0, maxSampleChars),
      };
      const operations = byDevice.get(partitionKey) ?? [];
      operations.push({ kind: 'upsert', entity });
      byDevice.set(partitionKey, operations);
    }
    const client = await this.table.client();
    await Promise.all(
      [...byDevice.values()].map(async (operations) => {
        for (let i = 0; i < operations.length; i += maxOperationsPerTransaction) {
          await submitEntityGroup(client, operations.slice(i, i + maxOperationsPerTransaction));
        }
      }),
    );
  }

  /** Newest first; one device's when `deviceId` is given, otherwise the whole fleet's. */
  async list(query: { deviceId?: string; limit: number }): Promise<Rejection[]> {
    const client = await this.table.client();
    const filter = query.deviceId
      ? `PartitionKey eq ${odataString(deviceRowKey(query.deviceId))}`
      : undefined;
    const entities = await listAllEntities<RejectionEntity>(client, filter);
    return entities
      .map(fromEntity)
      .sort(
        (a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.sequenceNumber - a.sequenceNumber,
      )
      .slice(0, query.limit);
  }
}

function rowKeyFor(rejection: Rejection, index: number): string {
  // A device's newest rejections first.
  const inverted = newestFirstKey(Date.parse(rejection.receivedAt));
  const sequence = String(rejection.sequenceNumber).padStart(16, '0');
  return `${inverted}_${rejection.partitionId}_${sequence}_${index}`;
}

interface RejectionEntity {
  deviceId: string;
  reason: RejectionReason;
  message: string;
  partitionId: string;
  sequenceNumber: number;
  receivedAt: string;
  sample: string;
}

function fromEntity(entity: TableEntityResult<RejectionEntity>): Rejection {
  return {
    deviceId: entity.deviceId,
    reason: entity.reason,
    message: entity.message,
    partitionId: entity.partitionId,
    sequenceNumber: Number(entity.sequenceNumber),
    receivedAt: entity.receivedAt,
    sample: entity.sample,
  };
}
