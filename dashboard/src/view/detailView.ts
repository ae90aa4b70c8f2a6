import uPlot from 'uplot';
import type { Api } from '../api';
import type { DeviceStore } from '../deviceStore';
import { formatAge, formatCount, formatMeasurement } from '../format';
import { type MeasurementName, measurementNames, type Rejection } from '../telemetryTypes';
import { renderRejection } from './alertsPanel';
import { createDevicePanel } from './devicePanel';
import { createHistoryChart } from './historyChart';

const charted: readonly { name: MeasurementName; label: string; color: string }[] = [
  { name: 'temperature', label: 'Temperature (°C)', color: '#ff7b72' },
  { name: 'humidity', label: 'Humidity (%)', color: '#58a6ff' },
  { name: 'pressure', label: 'Pressure (hPa)', color: '#d2a8ff' },
];

/** The detail dialog: one device's values, charts of its history, and its recent rejections. */
export function createDetailView(options: {
  dialog: HTMLDialogElement;
  store: DeviceStore;
  api: Api;
  /** Operators with Fleet.Operate get the calibration form; viewers never see it. */
  canOperate: boolean;
}) {
  const { dialog, store, api } = options;
  const calibration = createCalibrationForm(
    dialog.querySelector('#calibration') as HTMLFormElement,
    options.canOperate,
    (calibrationBody) =>
      deviceId ? api.putCalibration(deviceId, calibrationBody) : Promise.resolve(),
  );
  const devicePanel = createDevicePanel({
    root: dialog.querySelector('#detail-device') as HTMLElement,
    api,
    canOperate: options.canOperate,
  });
  const title = dialog.querySelector('#detail-title') as HTMLElement;
  const values = dialog.querySelector('#detail-values') as HTMLElement;
  const chartsRoot = dialog.querySelector('#detail-charts') as HTMLElement;
  const rejectionList = dialog.querySelector('#detail-rejections') as HTMLElement;
  const history = createHistoryChart({
    root: dialog.querySelector('#detail-history') as HTMLElement,
    api,
  });
  let deviceId: string | undefined;
  let charts: { name: MeasurementName; plot: uPlot }[] = [];

  dialog.addEventListener('close', () => {
    deviceId = undefined;
    history.close();
    for (const { plot } of charts) plot.destroy();
    charts = [];
  });

  function series(name: MeasurementName): [number[], (number | null)[]] {
    const history = (deviceId && store.get(deviceId)?.history) || [];
    return [history.map((p) => Date.parse(p.t) / 1000), history.map((p) => p[name] ?? null)];
  }

  function renderValues() {
    const view = deviceId ? store.get(deviceId) : undefined;
    if (!view) return;
    values.replaceChildren(
      ...[
        ...measurementNames.map((name) => [name, formatMeasurement(name, view[name])] as const),
        ['readings', formatCount(view.count)] as const,
        ['rejected', formatCount(view.rejected)] as const,
        ['last seen', formatAge(view.lastSeen, Date.now())] as const,
      ].map(([label, text]) => {
        const item = document.createElement('div');
        const dt = document.createElement('dt');
        const dd = document.createElement('dd');
        dt.textContent = label;
        dd.textContent = text;
        item.append(dt, dd);
        return item;
      }),
    );
  }

  return {
    async open(id: string) {
      deviceId = id;
      title.textContent = id;
      renderValues();
      chartsRoot.replaceChildren();
      rejectionList.replaceChildren();
      calibration.reset();
      devicePanel.open(id, store.get(id));
      if (!dialog.open) dialog.showModal();
      const width = Math.max(280, chartsRoot.clientWidth || 880);
      charts = charted.map(({ name, label, color }) => {
        const heading = document.createElement('div');
        heading.className = 'chart-title';
        heading.textContent = label;
        const holder = document.createElement('div');
        holder.dataset.chart = name;
        chartsRoot.append(heading, holder);
        const plot = new uPlot(
          {
            width,
            height: 140,
            legend: { show: false },
            series: [{}, { label, stroke: color, width: 2, spanGaps: true }],
            axes: [
              { stroke: '#9aa7b4', grid: { stroke: '#2a333d' } },
              { stroke: '#9aa7b4', grid: { stroke: '#2a333d' } },
            ],
          },
          series(name),
          holder,
        );
        return { name, plot };
      });
      history.open(id);
      try {
        const [full, rejections] = await Promise.all([api.device(id), api.rejections(id)]);
        if (deviceId !== id) return;
        store.applyUpdates([full]); // the full history, merged with what arrived live meanwhile
        this.update();
        rejectionList.replaceChildren(
          ...rejections.map((r: Rejection) => renderRejection(r, Date.now())),
        );
        if (rejections.length === 0)
          rejectionList.append(
            Object.assign(document.createElement('li'), { textContent: 'None.' }),
          );
      } catch (error) {
        rejectionList.replaceChildren(
          Object.assign(document.createElement('li'), {
            textContent: `Could not load details: ${String(error)}`,
          }),
        );
      }
    },
    /** Redraws when the open device changed. */
    update(changed?: Set<string>) {
      if (!deviceId || (changed && !changed.has(deviceId))) return;
      renderValues();
      devicePanel.update(store.get(deviceId));
      for (const { name, plot } of charts) plot.setData(series(name));
    },
    addRejections(rejections: readonly Rejection[]) {
      const mine = rejections.filter((r) => r.deviceId === deviceId);
      if (mine.length > 0)
        rejectionList.prepend(...mine.map((r) => renderRejection(r, Date.now())));
    },
  };
}

/** The calibration form: slope and intercept for each calibrated measurement, sent in one PUT. */
function createCalibrationForm(
  form: HTMLFormElement,
  enabled: boolean,
  save: (calibration: Record<string, { slope: number; intercept: number }>) => Promise<void>,
) {
  // Removed, not just hidden, for viewers: the API refuses them anyway.
  if (!enabled) {
    form.remove();
    return { reset: () => undefined };
  }
  form.hidden = false;
  const rows = form.querySelector('.calibration-rows') as HTMLElement;
  const result = form.querySelector('output') as HTMLOutputElement;
  for (const { name } of charted) {
    const row = document.createElement('div');
    row.className = 'calibration-row';
    row.innerHTML = `<span>${name}</span><label>slope <input name="${name}-slope" type="number" step="any" value="1" required></label><label>intercept <input name="${name}-intercept" type="number" step="any" value="0" required></label>`;
    rows.append(row);
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = Object.fromEntries(
      charted.map(({ name }) => [
        name,
        {
          slope: Number(data.get(`${name}-slope`)),
          intercept: Number(data.get(`${name}-intercept`)),
        },
      ]),
    );
    result.textContent = 'saving…';
    save(body).then(
      () => {
        result.textContent = 'Saved: new readings are calibrated.';
      },
      (error: unknown) => {
        result.textContent = `Not saved: ${error instanceof Error ? error.message : String(error)}`;
      },
    );
  });
  return {
    reset() {
      form.reset();
      result.textContent = '';
    },
  };
}
