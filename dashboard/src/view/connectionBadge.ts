import type { ConnectionState } from '../liveConnection';

const labels: Record<ConnectionState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  offline: 'offline',
};

/** The badge that says whether updates are live; the detail, if any, is its tooltip. */
export function showConnection(badge: HTMLElement, state: ConnectionState, detail?: string): void {
  badge.dataset.state = state;
  badge.textContent = labels[state];
  badge.title = detail ?? '';
}
