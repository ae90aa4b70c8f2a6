/**
 * A six-field NCRONTAB schedule, `{second} {minute} {hour} {day} {month} {day-of-week}`, as Azure
 * Functions timers use: each field takes `*`, numbers, `a-b` ranges, `,` lists and `/n` steps;
 * day-of-week runs 0-6 from Sunday. Times are in the host's local zone (UTC on Azure by default).
 */
export class NcrontabSchedule {
  private readonly fields: readonly Set<number>[];

  constructor(readonly expression: string) {
    const parts = expression.trim().split(/\s+/);
    if (parts.length !== 6) {
      throw new Error(
        `"${expression}" is not a six-field NCRONTAB expression (second minute hour day month day-of-week)`,
      );
    }
    this.fields = parts.map((part, index) =>
      parseField(part, fieldRanges[index] as FieldRange, expression),
    );
  }

  /** The first occurrence strictly after `after`. */
  next(after: Date): Date {
    const [seconds, minutes, hours, days, months, weekdays] = this.fields as [
      Set<number>,
      Set<number>,
      Set<number>,
      Set<number>,
      Set<number>,
      Set<number>,
    ];
    const candidate = new Date(after.getTime() - after.getMilliseconds() + 1000);
    const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
    while (candidate.getTime() <= limit) {
      if (!months.has(candidate.getMonth() + 1)) {
        candidate.setMonth(candidate.getMonth() + 1, 1);
        candidate.setHours(0, 0, 0);
        continue;
      }
      if (!days.has(candidate.getDate()) || !weekdays.has(candidate.getDay())) {
        candidate.setDate(candidate.getDate() + 1);
        candidate.setHours(0, 0, 0);
        continue;
      }
      if (!hours.has(candidate.getHours())) {
        candidate.setHours(candidate.getHours() + 1, 0, 0);
        continue;
      }
      if (!minutes.has(candidate.getMinutes())) {
        candidate.setMinutes(candidate.getMinutes() + 1, 0);
        continue;
      }
      if (!seconds.has(candidate.getSeconds())) {
        candidate.setSeconds(candidate.getSeconds() + 1);
        continue;
      }
      return candidate;
    }
    throw new Error(`"${this.expression}" never fires`);
  }
}

type FieldRange = { name: string; min: number; max: number };

const fieldRanges: readonly FieldRange[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 6 },
];

function parseField(field: string, range: FieldRange, expression: string): Set<number> {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const match = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(item);
    if (!match)
      throw new Error(`"${expression}": cannot read "${item}" in the ${range.name} field`);
    const [, span = '*', stepText] = match;
    const step = stepText ? Number(stepText) : 1;
    const [from, to] =
      span === '*'
        ? [range.min, range.max]
        : span.includes('-')
          ? span.split('-').map(Number)
          : [Number(span), stepText ? range.max : Number(span)];
    if (
      from === undefined ||
      to === undefined ||
      from < range.min ||
      to > range.max ||
      from > to ||
      step < 1
    ) {
      throw new Error(
        `"${expression}": "${item}" is outside ${range.min}-${range.max} for the ${range.name} field`,
      );
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}
