import type { LazyTable } from '../storage/tableClientFactory';
import { storageStatus } from '../storage/tableQueries';
import { TableSnapshot } from '../storage/tableSnapshot';
import { type AlarmRule, parseAlarmRule, ruleApplies, type ThresholdRule } from './alarmRule';
import type { DeviceTagStore } from './deviceTagStore';

const partitionKey = 'rule';

/**
 * Alarm rules, one row each, read by ingest as one snapshot of the table reused for `ttlMs`: in
 * the steady state rules cost ingest no storage request. A change reaches other instances when
 * their snapshot expires.
 */
export class AlarmRuleStore {
  private readonly snapshot: TableSnapshot<readonly AlarmRule[]>;

  constructor(private readonly options: { table: LazyTable; ttlMs: number; now?: () => number }) {
    this.snapshot = new TableSnapshot({
      table: options.table,
      ttlMs: options.ttlMs,
      ...(options.now ? { now: options.now } : {}),
      build: (rows) =>
        rows
          .flatMap((row) => {
            const parsed = parseAlarmRule(String(row.rowKey), parseStored(row.rule));
            return parsed.ok ? [parsed.value] : [];
          })
          .sort((a, b) => a.ruleId.localeCompare(b.ruleId)),
    });
  }

  list(): Promise<readonly AlarmRule[]> {
    return this.snapshot.current();
  }

  async put(rule: AlarmRule): Promise<void> {
    const client = await this.options.table.client();
    const { ruleId, ...stored } = rule;
    await client.upsertEntity(
      { partitionKey, rowKey: ruleId, rule: JSON.stringify(stored) },
      'Replace',
    );
    this.snapshot.invalidate();
  }

  /** False when there was no such rule. */
  async delete(ruleId: string): Promise<boolean> {
    const client = await this.options.table.client();
    try {
      await client.deleteEntity(partitionKey, ruleId);
      return true;
    } catch (error) {
      if (storageStatus(error) === 404) return false;
      throw error;
    } finally {
      this.snapshot.invalidate();
    }
  }
}

function parseStored(text: unknown): unknown {
  try {
    return typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The threshold rules that apply to each device, from the rules' and the tags' snapshots. */
export function createThresholdRuleResolver(
  rules: Pick<AlarmRuleStore, 'list'>,
  tags: Pick<DeviceTagStore, 'all'>,
) {
  return async (deviceIds: Iterable<string>): Promise<Map<string, ThresholdRule[]>> => {
    const threshold = (await rules.list()).filter(
      (rule): rule is ThresholdRule => rule.kind === 'threshold',
    );
    const tagged = threshold.some((rule) => 'tag' in rule.scope) ? await tags.all() : undefined;
    return new Map(
      [...new Set(deviceIds)].map((deviceId) => [
        deviceId,
        threshold.filter((rule) => ruleApplies(rule, deviceId, tagged?.get(deviceId) ?? [])),
      ]),
    );
  };
}

export type ThresholdRuleResolver = ReturnType<typeof createThresholdRuleResolver>;
