import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { queryInteger } from '../host/http';
import type { DeadLetterStore } from '../storage/deadLetterStore';

/** `GET /api/deadletters?function=&limit=`: events set aside for good, newest first, with bodies. */
export function createDeadLettersFunctions(
  deadLetters: DeadLetterStore,
  functions: readonly string[],
): HttpFunctionDefinition[] {
  return [
    {
      kind: 'http',
      name: 'listDeadLetters',
      route: 'deadletters',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Admin'] },
      handler: async (request) => {
        const name = request.query.get('function') ?? undefined;
        if (name !== undefined && !functions.includes(name))
          throw new AppError(
            'validation_failed',
            `function must be one of ${functions.join(', ')}`,
          );
        const limit = queryInteger(request, 'limit', { min: 1, max: 500, fallback: 50 });
        return {
          jsonBody: await deadLetters.list({ ...(name ? { function: name } : {}), limit }),
        };
      },
    },
  ];
}
