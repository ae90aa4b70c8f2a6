import type { Api } from '../api';

/** Panels for features that may not be deployed: each shows only while its API answers. */
const panels = [
  { elementId: 'panel-analytics', path: '/analytics/products?minutes=60' },
  { elementId: 'panel-encounters', path: '/encounters/recent' },
] as const;

export function startOptionalPanels(
  api: Api,
  intervalMs = 30_000,
): { refresh(): void; stop(): void } {
  const probe = async () => {
    for (const panel of panels) {
      const element = document.getElementById(panel.elementId);
      if (!element) continue;
      const rows = await api.probe(panel.path);
      element.hidden = rows === undefined;
      if (rows)
        (element.querySelector('.panel-body') as HTMLElement).replaceChildren(
          table(rows.slice(0, 10)),
        );
    }
  };
  void probe();
  const timer = setInterval(probe, intervalMs);
  // Live messages ask for a refresh; at most one every two seconds reaches the API, and a request
  // inside that window is kept for its end, so the last message of a burst is always shown.
  let last = 0;
  let trailing: ReturnType<typeof setTimeout> | undefined;
  return {
    refresh() {
      const wait = last + 2000 - Date.now();
      if (wait > 0) {
        if (trailing === undefined)
          trailing = setTimeout(() => {
            trailing = undefined;
            last = Date.now();
            void probe();
          }, wait);
        return;
      }
      last = Date.now();
      void probe();
    },
    stop: () => {
      clearInterval(timer);
      clearTimeout(trailing);
    },
  };
}

function table(rows: readonly unknown[]): HTMLElement {
  const objects = rows.filter(
    (row): row is Record<string, unknown> => typeof row === 'object' && row !== null,
  );
  if (objects.length === 0)
    return Object.assign(document.createElement('p'), {
      className: 'muted',
      textContent: 'Nothing yet.',
    });
  const columns = Object.keys(objects[0] as object).slice(0, 4);
  const element = document.createElement('table');
  const head = element.createTHead().insertRow();
  for (const column of columns)
    head.append(Object.assign(document.createElement('th'), { textContent: column }));
  const body = element.createTBody();
  for (const row of objects) {
    const tr = body.insertRow();
    for (const column of columns) tr.insertCell().textContent = String(row[column] ?? '');
  }
  return element;
}
