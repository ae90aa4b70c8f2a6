import type { TimerFunctionDefinition } from '../host/functionDefinition';
import type { Retention } from './retention';

/** `retention`: once a day, deletes what is older than RETENTION_DAYS (see `createRetention`). */
export function createRetentionFunctions(retention: Retention): TimerFunctionDefinition[] {
  return [
    {
      kind: 'timer',
      name: 'retention',
      // 03:15 UTC every day: outside most fleets' busy hours, and away from the minute timers.
      schedule: '0 15 3 * * *',
      handler: async (_timer, context) => {
        const run = await retention.run(new Date());
        const counts = Object.entries(run.deleted)
          .map(([table, count]) => `${table} ${count}`)
          .join(', ');
        context.log(
          `retention deleted ${counts}${run.unfinished.length ? `; more remain in ${run.unfinished.join(', ')} for the next run` : ''}`,
        );
      },
    },
  ];
}
