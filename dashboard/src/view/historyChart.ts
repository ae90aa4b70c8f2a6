import uPlot from 'uplot';
import type { Api, HistoryRange } from '../api';
import { intervalFor, presetRanges, timeAxisFormat } from '../historyRanges';
import type { HistoryBucket, MeasurementName } from '../telemetryTypes';

const metrics: readonly { name: MeasurementName; label: string; color: string }[] = [
  { name: 'temperature', label: 'Temperature (°C)', color: '#ff7b72' },
  { name: 'humidity', label: 'Humidity (%)', color: '#58a6ff' },
  { name: 'pressure', label: 'Pressure (hPa)', color: '#d2a8ff' },
];

/**
 * History over a chosen range in the detail dialog: a range picker (1 h, 24 h, 7 d, 30 d, custom),
 * one chart per metric with the bucket average and its min and max, and the CSV download of the
 * same range.
 */
export function createHistoryChart(options: { root: HTMLElement; api: Api }) {
  const { root, api } = options;
  const picker = root.querySelector('.range-picker') as HTMLElement;
  const custom = root.querySelector('.custom-range') as HTMLFormElement;
  const holder = root.querySelector('.history-charts') as HTMLElement;
  const status = root.querySelector('.history-status') as HTMLElement;
  const download = root.querySelector('.history-csv') as HTMLButtonElement;
  let deviceId: string | undefined;
  let range: HistoryRange | undefined;
  let plots: uPlot[] = [];

  const clear = () => {
    for (const plot of plots) plot.destroy();
    plots = [];
    holder.replaceChildren();
  };

  const show = async (next: HistoryRange) => {
    if (!deviceId) return;
    range = next;
    const id = deviceId;
    status.textContent = 'loading…';
    try {
      const { buckets } = await api.history(id, next);
      if (deviceId !== id || range !== next) return;
      clear();
      status.textContent = `${buckets.length} ${next.interval} buckets, ${new Date(next.from).toLocaleString()} – ${new Date(next.to).toLocaleString()}`;
      const width = Math.max(280, holder.clientWidth || 880);
      plots = metrics.map(({ name, label, color }) => {
        const title = Object.assign(document.createElement('div'), {
          className: 'chart-title',
          textContent: label,
        });
        const chart = document.createElement('div');
        chart.dataset.historyChart = name;
        holder.append(title, chart);
        return new uPlot(
          {
            width,
            height: 140,
            legend: { show: false },
            // x in seconds: uPlot then picks time ticks and labels to suit the range.
            scales: { x: { time: true, range: () => [next.from / 1000, next.to / 1000] } },
            series: [
              {},
              { label: 'avg', stroke: color, width: 2, spanGaps: false },
              { label: 'min', stroke: color, width: 1, dash: [4, 4] },
              { label: 'max', stroke: color, width: 1, dash: [4, 4] },
            ],
            axes: [
              {
                stroke: '#9aa7b4',
                grid: { stroke: '#2a333d' },
                values: (_plot, ticks) => {
                  const format = uPlot.fmtDate(timeAxisFormat(next.to - next.from));
                  return ticks.map((tick) => format(new Date(tick * 1000)));
                },
              },
              { stroke: '#9aa7b4', grid: { stroke: '#2a333d' } },
            ],
          },
          seriesOf(buckets, name),
          chart,
        );
      });
    } catch (error) {
      status.textContent = `Could not load history: ${error instanceof Error ? error.message : String(error)}`;
    }
  };

  picker.addEventListener('click', (event) => {
    const preset = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-range]')
      ?.dataset.range as keyof typeof presetRanges | 'custom' | undefined;
    if (!preset) return;
    for (const button of picker.querySelectorAll('button'))
      button.setAttribute('aria-pressed', String(button.dataset.range === preset));
    custom.hidden = preset !== 'custom';
    if (preset === 'custom') return;
    const now = Date.now();
    const { span, interval } = presetRanges[preset];
    void show({ from: now - span, to: now, interval });
  });
  custom.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(custom);
    const from = Date.parse(String(data.get('from')));
    const to = Date.parse(String(data.get('to')));
    if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
      status.textContent = 'Choose a start before the end.';
      return;
    }
    void show({ from, to, interval: intervalFor(to - from) });
  });
  download.addEventListener('click', () => {
    if (!deviceId || !range) return;
    const id = deviceId;
    void api.historyCsv(id, range).then(
      (blob) => {
        const link = Object.assign(document.createElement('a'), {
          href: URL.createObjectURL(blob),
          download: `${id}-history-${range?.interval}.csv`,
        });
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      },
      (error: unknown) => {
        status.textContent = `Could not export: ${String(error)}`;
      },
    );
  });

  return {
    /** A newly opened device starts at the last 24 hours. */
    open(id: string) {
      deviceId = id;
      clear();
      custom.hidden = true;
      (picker.querySelector('button[data-range="24h"]') as HTMLButtonElement).click();
    },
    close() {
      deviceId = undefined;
      range = undefined;
      clear();
    },
  };
}

function seriesOf(buckets: readonly HistoryBucket[], name: MeasurementName): uPlot.AlignedData {
  const x: number[] = [];
  const avg: (number | null)[] = [];
  const min: (number | null)[] = [];
  const max: (number | null)[] = [];
  for (const bucket of buckets) {
    const m = bucket.metrics[name];
    x.push(Date.parse(bucket.t) / 1000);
    avg.push(m ? m.avg : null);
    min.push(m ? m.min : null);
    max.push(m ? m.max : null);
  }
  return [x, avg, min, max];
}
