import type { TableEntityResult } from '@azure/data-tables';
import {
  doubleProperty,
  type EntityOperation,
  maxOperationsPerTransaction,
  submitEntityGroup,
} from '../storage/entityGroupTransaction';
import type { LazyTable } from '../storage/tableClientFactory';
import { deleteWhere, newestFirstKey, odataString } from '../storage/tableQueries';
import { deviceRowKey, fnv1a } from './deviceKeys';
import type { Rejection, RejectionReason } from './rejection';

const maxSampleChars = 512;
/** Fleet partitions per day: spreads a burst of rejections over several partitions' throughput. */
const fleetShards = 4;
/** How far back a fleet listing looks for rejections, at most. */
const maxLookbackDays = 31;

/**
 * Rejected readings, kept twice so that both listings are bounded queries, newest first:
 * `d_<device>` holds one device's, and `f_<yyyyMMdd>_<shard>` the fleet's by day, spread over four
 * shards by device. "Latest N for a device" reads one partition's first N rows; "latest N for the
 * fleet" reads the first N rows of today's shards, then yesterday's, until it has N. Keys are
 * derived from the hub message, so saving the same batch again overwrites rather than duplicates,
 * and a day's fleet partitions can be dropped whole when they age out.
 */
export class RejectionStore {
  constructor(
    private readonly table: LazyTable,
    private readonly now: () => number = Date.now,
  ) {}

  async save(rejections: readonly Rejection[]): Promise<void> {
    if (rejections.length === 0) return;
    const byPartition = new Map<string, EntityOperation[]>();
    const perMessageIndex = new Map<string, number>();
    for (const rejection of rejections) {
      const messageKey = `${rejection.partitionId}/${rejection.sequenceNumber}`;
      const index = perMessageIndex.get(messageKey) ?? 0;
      perMessageIndex.set(messageKey, index + 1);
      const fields = {
        RowKey: rowKeyFor(rejection, index),
        ...rejection,
        ...doubleProperty('sequenceNumber', rejection.sequenceNumber),
        sample: rejection.sample.slice(0, maxSampleChars),
      };
      for (const partitionKey of [
        devicePartition(rejection.deviceId),
        fleetPartition(Date.parse(rejection.receivedAt), rejection.deviceId),
      ]) {
        const operations = byPartition.get(partitionKey) ?? [];
        operations.push({ kind: 'upsert', entity: { PartitionKey: partitionKey, ...fields } });
        byPartition.set(partitionKey, operations);
      }
    }
    const client = await this.table.client();
    await Promise.all(
      [...byPartition.values()].map(async (operations) => {
        for (let i = 0; i < operations.length; i += maxOperationsPerTransaction) {
          await submitEntityGroup(client, operations.slice(i, i + maxOperationsPerTransaction));
        }
      }),
    );
  }

  /** Newest first; one device's when `deviceId` is given, otherwise the whole fleet's. */
  async list(query: { deviceId?: string; limit: number }): Promise<Rejection[]> {
    const client = await this.table.client();
    const firstRows = async (partitionKey: string, count: number) => {
      const pages = client
        .listEntities<RejectionEntity>({
          queryOptions: { filter: `PartitionKey eq ${odataString(partitionKey)}` },
        })
        .byPage({ maxPageSize: count });
      for await (const page of pages) return page;
      return [];
    };
    if (query.deviceId)
      return (await firstRows(devicePartition(query.deviceId), query.limit)).map(fromEntity);
    const found: TableEntityResult<RejectionEntity>[] = [];
    for (let day = 0; day < maxLookbackDays && found.length < query.limit; day++) {
      const dayMs = this.now() - day * 86_400_000;
      const shards = await Promise.all(
        Array.from({ length: fleetShards }, (_, shard) =>
          firstRows(`f_${dayOf(dayMs)}_${shard}`, query.limit - found.length),
        ),
      );
      // Every row of a later day is newer than any of an earlier one; within a day, by row key.
      found.push(...shards.flat().sort((a, b) => (a.rowKey ?? '').localeCompare(b.rowKey ?? '')));
    }
    return found.slice(0, query.limit).map(fromEntity);
  }

  /** Deletes rejections received before `cutoffMs`: whole fleet days, and old rows per device. */
  async deleteOlderThan(cutoffMs: number, limit: number) {
    const client = await this.table.client();
    const days = await deleteWhere(
      client,
      `PartitionKey ge 'f_' and PartitionKey lt ${odataString(`f_${dayOf(cutoffMs)}`)}`,
      limit,
    );
    const devices = await deleteWhere(
      client,
      // Every `d_` partition (the backtick follows the underscore), rows older than the cutoff.
      `PartitionKey ge 'd_' and PartitionKey lt 'd\`' and RowKey gt ${odataString(newestFirstKey(cutoffMs))}`,
      limit,
    );
    return { deleted: days.deleted + devices.deleted, more: days.more || devices.more };
  }
}

function devicePartition(deviceId: string): string {
  return `d_${deviceRowKey(deviceId)}`;
}

function fleetPartition(timeMs: number, deviceId: string): string {
  return `f_${dayOf(timeMs)}_${fnv1a(deviceId) % fleetShards}`;
}

/** `yyyyMMdd` in UTC. */
function dayOf(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10).replaceAll('-', '');
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
