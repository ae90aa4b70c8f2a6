import type { HistoryPoint, MeasurementName } from '../telemetryTypes';

/** Draws the recent trend of the first measurement a device reports, on a small canvas. */
export function drawSparkline(canvas: HTMLCanvasElement, history: readonly HistoryPoint[]): void {
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const name = (['temperature', 'humidity', 'pressure', 'light'] as MeasurementName[]).find((m) =>
    history.some((p) => p[m] !== undefined),
  );
  if (!name) return;
  const values = history.flatMap((p) => (p[name] === undefined ? [] : [p[name] as number]));
  if (values.length < 2) return;
  const min = Math.min(...values);
  const span = Math.max(...values) - min || 1;
  context.strokeStyle = '#58a6ff';
  context.lineWidth = 1.5;
  context.beginPath();
  values.forEach((value, index) => {
    const x = (index / (values.length - 1)) * (width - 2) + 1;
    const y = height - 2 - ((value - min) / span) * (height - 4);
    if (index === 0) context.moveTo(x, y);
    else context.lineTo(x, y);
  });
  context.stroke();
}
