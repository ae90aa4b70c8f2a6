import type { Api } from '../api';
import { formatAge } from '../format';
import type { Alarm } from '../telemetryTypes';

/**
 * The alarms panel: active alarms first (unacknowledged before acknowledged), by severity, each
 * with its device, rule, value and age; operators acknowledge from here. "History" shows cleared
 * alarms too. It re-reads the API when an `alarm` message arrives, so it shows what is stored.
 */
export function createAlarmsPanel(options: { root: HTMLElement; api: Api; canOperate: boolean }) {
  const { root, api } = options;
  const list = root.querySelector('#alarm-list') as HTMLOListElement;
  const empty = root.querySelector('#alarms-empty') as HTMLElement;
  const count = root.querySelector('#alarm-count') as HTMLElement;
  const history = root.querySelector('#alarm-history') as HTMLInputElement;
  let refreshing: Promise<void> | undefined;
  let again = false;

  const render = (alarms: readonly Alarm[]) => {
    const now = Date.now();
    const sorted = [...alarms].sort(
      (a, b) =>
        stateRank[a.state] - stateRank[b.state] ||
        severityRank[a.severity] - severityRank[b.severity] ||
        b.raisedAt.localeCompare(a.raisedAt),
    );
    list.replaceChildren(...sorted.map((alarm) => renderAlarm(alarm, now)));
    const active = alarms.filter((alarm) => alarm.state !== 'cleared').length;
    count.textContent = String(active);
    count.dataset.severity = sorted.find((a) => a.state === 'active')?.severity ?? 'none';
    empty.hidden = alarms.length > 0;
  };

  const renderAlarm = (alarm: Alarm, now: number) => {
    const item = document.createElement('li');
    item.className = 'alarm';
    item.dataset.alarmId = alarm.alarmId;
    item.dataset.severity = alarm.severity;
    item.dataset.state = alarm.state;
    const head = document.createElement('div');
    const title = document.createElement('span');
    title.className = 'reason';
    title.textContent = `${alarm.deviceId}: ${alarm.ruleId}`;
    const badge = document.createElement('span');
    badge.className = 'alarm-state';
    badge.textContent = `${alarm.severity} · ${alarm.state}`;
    head.append(title, ' ', badge);
    const detail = document.createElement('div');
    detail.className = 'muted';
    const value = alarm.raisedValue === null ? '' : ` at ${alarm.raisedValue}`;
    detail.textContent = `raised ${formatAge(alarm.raisedAt, now)}${value}${
      alarm.acknowledgedBy ? ` · acknowledged by ${alarm.acknowledgedBy}` : ''
    }${alarm.clearedAt ? ` · cleared ${formatAge(alarm.clearedAt, now)}` : ''}${
      alarm.description ? ` · ${alarm.description}` : ''
    }`;
    item.append(head, detail);
    // Viewers get no button at all: the API refuses them anyway.
    if (options.canOperate && alarm.state === 'active') {
      const ack = document.createElement('button');
      ack.type = 'button';
      ack.className = 'ack';
      ack.textContent = 'Acknowledge';
      ack.addEventListener('click', () => {
        ack.disabled = true;
        api.acknowledgeAlarm(alarm.alarmId).then(
          () => refresh(),
          (error: unknown) => {
            ack.disabled = false;
            detail.textContent = `Not acknowledged: ${error instanceof Error ? error.message : String(error)}`;
          },
        );
      });
      item.append(ack);
    }
    return item;
  };

  // One read at a time; a refresh asked for meanwhile runs once the current one ends.
  const refresh = (): Promise<void> => {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = api
      .alarms(history.checked ? 'all' : 'active')
      .then(render, (error: unknown) => {
        empty.hidden = false;
        empty.textContent = `Could not read alarms: ${String(error)}`;
      })
      .finally(() => {
        refreshing = undefined;
        if (again) {
          again = false;
          void refresh();
        }
      });
    return refreshing;
  };
  history.addEventListener('change', () => void refresh());
  return { refresh };
}

const stateRank = { active: 0, acknowledged: 1, cleared: 2 } as const;
const severityRank = { critical: 0, warning: 1, info: 2 } as const;
