import type { DashboardConfig } from '../dashboardConfig';
import type { DeviceStore, ListQuery } from '../deviceStore';
import { formatAge, formatCount, formatMeasurement, freshnessOf } from '../format';
import { measurementNames } from '../telemetryTypes';
import { drawSparkline } from './sparkline';

interface RowElements {
  readonly root: HTMLDivElement;
  readonly id: HTMLSpanElement;
  readonly status: HTMLSpanElement;
  readonly values: HTMLSpanElement[];
  readonly count: HTMLSpanElement;
  readonly rejected: HTMLSpanElement;
  readonly age: HTMLSpanElement;
  readonly spark: HTMLCanvasElement;
  deviceId?: string;
  version?: number;
}

const overscan = 6;

/**
 * A virtualised list: only the rows in view (plus a few) exist in the DOM, so 2,000 devices cost
 * what 30 do. Rows are recycled and only rewritten when their device changed or time moved on.
 */
export function createDeviceList(options: {
  container: HTMLElement;
  spacer: HTMLElement;
  empty: HTMLElement;
  store: DeviceStore;
  config: DashboardConfig;
  onOpen: (deviceId: string) => void;
}) {
  const { container, spacer, store, config } = options;
  const pool: RowElements[] = [];
  let order: string[] = [];
  let active = 0;
  let query: ListQuery = { filter: '', status: 'all', sort: 'deviceId', descending: false };

  const rowHeight = () =>
    Number.parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--row')) || 44;

  function makeRow(): RowElements {
    const root = document.createElement('div');
    root.className = 'row';
    root.setAttribute('role', 'option');
    const cell = (className = '') => {
      const span = document.createElement('span');
      span.className = className;
      root.append(span);
      return span;
    };
    const id = cell('id');
    const status = cell('status');
    const values = measurementNames.map((name) =>
      cell(name === 'pressure' || name === 'light' ? 'wide' : ''),
    );
    const count = cell('wide');
    const rejected = cell();
    const age = cell('age age-col');
    const sparkCell = cell('wide');
    const spark = document.createElement('canvas');
    spark.width = 90;
    spark.height = 24;
    spark.setAttribute('aria-hidden', 'true');
    sparkCell.append(spark);
    root.addEventListener('click', () => {
      if (row.deviceId) {
        active = order.indexOf(row.deviceId);
        options.onOpen(row.deviceId);
      }
    });
    container.append(root);
    const row: RowElements = { root, id, status, values, count, rejected, age, spark };
    return row;
  }

  function render(now = Date.now()) {
    const height = rowHeight();
    spacer.style.height = `${order.length * height}px`;
    options.empty.hidden = store.size > 0;
    const first = Math.max(0, Math.floor(container.scrollTop / height) - overscan);
    const last = Math.min(
      order.length,
      Math.ceil((container.scrollTop + container.clientHeight) / height) + overscan,
    );
    while (pool.length < last - first) pool.push(makeRow());
    pool.forEach((row, slot) => {
      const index = first + slot;
      const deviceId = order[index];
      const view = deviceId === undefined ? undefined : store.get(deviceId);
      if (!view || index >= last) {
        row.root.hidden = true;
        return;
      }
      row.root.hidden = false;
      row.root.style.transform = `translateY(${index * height}px)`;
      row.root.setAttribute('aria-selected', String(index === active));
      row.root.id = `device-row-${index}`;
      const status = freshnessOf(view.lastSeen, now, config);
      row.status.textContent = status;
      row.status.className = `status status-${status}`;
      row.age.textContent = formatAge(view.lastSeen, now);
      if (row.deviceId === deviceId && row.version === view.version) return;
      row.deviceId = deviceId;
      row.version = view.version;
      row.root.dataset.deviceId = deviceId;
      row.id.textContent = deviceId ?? '';
      row.id.title = deviceId ?? '';
      measurementNames.forEach((name, i) => {
        (row.values[i] as HTMLSpanElement).textContent = formatMeasurement(name, view[name]);
      });
      row.count.textContent = formatCount(view.count);
      row.rejected.textContent = formatCount(view.rejected);
      row.rejected.className = view.rejected > 0 ? 'rejected-some' : '';
      drawSparkline(row.spark, view.history);
    });
    container.setAttribute('aria-activedescendant', `device-row-${active}`);
  }

  function refresh(now = Date.now()) {
    order = store.query(query, now, config);
    active = Math.min(active, Math.max(0, order.length - 1));
    render(now);
  }

  container.addEventListener('scroll', () => render());
  container.addEventListener('keydown', (event) => {
    const step = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 }[event.key];
    if (step !== undefined) {
      event.preventDefault();
      active = Math.max(0, Math.min(order.length - 1, active + step));
      const top = active * rowHeight();
      if (top < container.scrollTop) container.scrollTop = top;
      else if (top + rowHeight() > container.scrollTop + container.clientHeight)
        container.scrollTop = top + rowHeight() - container.clientHeight;
      render();
    } else if (event.key === 'Enter' && order[active]) {
      // Without this the same keypress reaches the dialog's close button, which now has focus.
      event.preventDefault();
      options.onOpen(order[active] as string);
    }
  });

  return {
    refresh,
    setQuery(next: Partial<ListQuery>) {
      query = { ...query, ...next };
      refresh();
    },
  };
}
