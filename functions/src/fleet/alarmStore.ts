import type { TableClient } from '@azure/data-tables';
import { AppError } from '../host/appError';
import {
  type EntityOperation,
  maxOperationsPerTransaction,
  submitEntityGroup,
} from '../storage/entityGroupTransaction';
import type { LazyTable } from '../storage/tableClientFactory';
import { listAllEntities, odataString, storageStatus } from '../storage/tableQueries';
import {
  deviceRowKey,
  deviceStatePartitionKey,
  deviceStatePartitionPrefix,
} from '../telemetry/deviceKeys';
import type { AlarmTransition } from './alarmConditions';
import { type Alarm, alarmEntity, alarmFromRow, alarmRowKey, alarmRowPrefix } from './alarmRows';
import type { OfflineRule } from './alarmRule';

/** Offline alarms are raised by the timer, not by a hub partition's batch: their own partition. */
const offlinePartition = 'offline';

/**
 * The alarms in the device-state table: threshold alarms in their hub partition's rows (written
 * with the state that raised them), offline ones in `offline`. Listing is one query over alarm
 * rows only (row keys `~a|...`).
 */
export class AlarmStore {
  constructor(private readonly options: { table: LazyTable; now?: () => number }) {}

  async list(filter: {
    state: 'active' | 'all';
    deviceId?: string;
    limit: number;
  }): Promise<Alarm[]> {
    const client = await this.options.table.client();
    const next = String.fromCharCode(deviceStatePartitionPrefix.charCodeAt(0) + 1);
    const partitions = `((PartitionKey ge ${odataString(deviceStatePartitionPrefix)} and PartitionKey lt ${odataString(next)}) or PartitionKey eq ${odataString(offlinePartition)})`;
    const rows = `RowKey ge ${odataString(alarmRowPrefix)} and RowKey lt ${odataString(`${alarmRowPrefix.slice(0, -1)}}`)}`;
    const device = filter.deviceId ? ` and deviceId eq ${odataString(filter.deviceId)}` : '';
    // The Table service cannot filter on a missing property (clearedAt), so state is checked here.
    const alarms = (
      await listAllEntities<Record<string, unknown>>(client, `${partitions} and ${rows}${device}`)
    )
      .map(alarmFromRow)
      .filter(
        (alarm) => alarm.raisedAt !== '' && (filter.state === 'all' || alarm.state !== 'cleared'),
      );
    return alarms
      .sort((a, b) => stateOrder(a) - stateOrder(b) || b.raisedAt.localeCompare(a.raisedAt))
      .slice(0, filter.limit);
  }

  /** Records who acknowledged an alarm and when; acknowledging again keeps the first. */
  async acknowledge(
    alarmId: string,
    by: { readonly name: string; readonly subject: string },
  ): Promise<{ alarm: Alarm; changed: boolean }> {
    const partitionKey = partitionOf(alarmId);
    const client = await this.options.table.client();
    const row = await getRow(client, partitionKey, alarmRowKey(alarmId));
    if (!row || typeof row.raisedAt !== 'string')
      throw new AppError('not_found', `no alarm "${alarmId}"`);
    const alarm = alarmFromRow(row);
    if (alarm.acknowledgedAt) return { alarm, changed: false };
    const at = new Date((this.options.now ?? Date.now)()).toISOString();
    await client.updateEntity(
      {
        partitionKey,
        rowKey: alarmRowKey(alarmId),
        acknowledgedBy: by.name,
        acknowledgedBySubject: by.subject,
        acknowledgedAt: at,
      },
      'Merge',
      { etag: String(row.etag) },
    );
    return {
      alarm: {
        ...alarm,
        acknowledgedBy: by.name,
        acknowledgedBySubject: by.subject,
        acknowledgedAt: at,
        state: alarm.clearedAt ? 'cleared' : 'acknowledged',
      },
      changed: true,
    };
  }

  /** The offline alarms not yet cleared, by rule and device. */
  async activeOffline(): Promise<Map<string, Alarm>> {
    const client = await this.options.table.client();
    const rows = await listAllEntities<Record<string, unknown>>(
      client,
      `PartitionKey eq ${odataString(offlinePartition)}`,
    );
    return new Map(
      rows
        .map(alarmFromRow)
        .filter((alarm) => alarm.state !== 'cleared')
        .map((alarm) => [offlineKey(alarm.ruleId, alarm.deviceId), alarm]),
    );
  }

  /** Writes offline transitions (raise and clear) made by the timer, a transaction per 100. */
  async saveOffline(transitions: readonly AlarmTransition[]): Promise<void> {
    if (transitions.length === 0) return;
    const client = await this.options.table.client();
    const operations = transitions.map(
      (transition): EntityOperation => ({
        kind: 'merge',
        entity: alarmEntity(transition, offlinePartition),
      }),
    );
    for (let i = 0; i < operations.length; i += maxOperationsPerTransaction)
      await submitEntityGroup(client, operations.slice(i, i + maxOperationsPerTransaction));
  }
}

export function offlineKey(ruleId: string, deviceId: string): string {
  return `${ruleId}\n${deviceId}`;
}

/** An offline alarm's id: its rule, its device, and when it was raised. */
export function offlineAlarmId(rule: OfflineRule, deviceId: string, raisedAt: number): string {
  return `${offlinePartition}-${raisedAt}-${rule.ruleId}-${deviceRowKey(deviceId)}`;
}

/** Alarm ids start with their partition: a hub partition id, or `offline`. */
function partitionOf(alarmId: string): string {
  const prefix = alarmId.split('-')[0] ?? '';
  if (prefix === offlinePartition) return offlinePartition;
  if (/^\d+$/.test(prefix)) return deviceStatePartitionKey(prefix);
  throw new AppError('not_found', `no alarm "${alarmId}"`);
}

function stateOrder(alarm: Alarm): number {
  return alarm.state === 'active' ? 0 : alarm.state === 'acknowledged' ? 1 : 2;
}

async function getRow(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<(Record<string, unknown> & { etag: string }) | undefined> {
  try {
    return await client.getEntity<Record<string, unknown>>(partitionKey, rowKey);
  } catch (error) {
    if (storageStatus(error) === 404) return undefined;
    throw error;
  }
}
