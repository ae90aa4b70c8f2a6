import { formatAge } from '../format';
import type { Rejection } from '../telemetryTypes';

const maxAlerts = 50;

export function renderRejection(rejection: Rejection, now: number): HTMLLIElement {
  const item = document.createElement('li');
  const head = document.createElement('div');
  const reason = document.createElement('span');
  reason.className = 'reason';
  reason.textContent = `${rejection.deviceId}: ${rejection.reason.replaceAll('_', ' ')}`;
  const when = document.createElement('span');
  when.className = 'when';
  when.textContent = ` · ${formatAge(rejection.receivedAt, now)}`;
  head.append(reason, when);
  const message = document.createElement('div');
  message.textContent = rejection.message;
  item.append(head, message);
  return item;
}

/** The alerts panel: rejected readings as they happen, newest first, de-duplicated by message. */
export function createAlertsPanel(options: {
  list: HTMLElement;
  empty: HTMLElement;
  count: HTMLElement;
}) {
  const seen = new Set<string>();
  let total = 0;
  return {
    add(rejections: readonly Rejection[]) {
      const fresh = rejections.filter((r) => {
        const key = `${r.deviceId}|${r.partitionId}|${r.sequenceNumber}|${r.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      if (fresh.length === 0) return;
      total += fresh.length;
      const now = Date.now();
      options.list.prepend(...fresh.reverse().map((r) => renderRejection(r, now)));
      while (options.list.childElementCount > maxAlerts) options.list.lastElementChild?.remove();
      options.empty.hidden = true;
      options.count.textContent = String(total);
    },
  };
}
