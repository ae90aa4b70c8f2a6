import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { guardHttp } from '../host/httpGuard';
import { createHealthFunctions } from './health.function';

describe('GET /api/health', () => {
  it('runs one round of probes per cache period, however often it is called', async () => {
    let probes = 0;
    const definitions = createHealthFunctions({
      probes: {
        iotHubRegistry: async () => {
          probes++;
        },
      },
    });
    const health = definitions.find((d) => d.name === 'health');
    if (!health) throw new Error('no health function');
    const call = () =>
      guardHttp(health, undefined)(
        new HttpRequest({ url: 'http://localhost/api/health', method: 'GET' }),
        new InvocationContext({ functionName: 'health', invocationId: 'i' }),
      );
    const answers = await Promise.all(Array.from({ length: 20 }, call));
    // Anyone may ask; they learn ok or degraded, nothing about the dependencies.
    expect(answers.every((a) => JSON.stringify(a.jsonBody) === '{"status":"ok"}')).toBe(true);
    expect(probes).toBe(1);
  });
});
