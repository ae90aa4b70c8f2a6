import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { guardHttp } from '../host/httpGuard';
import { createGatewayFunctions } from './gateway.function';

describe('sendDeviceMessage', () => {
  it("passes IoT Hub's throttling on as a 429 with its Retry-After, in the error shape", async () => {
    const definition = createGatewayFunctions({
      proxy: async () => ({ status: 429, retryAfter: '7' }),
    }).find((d): d is HttpFunctionDefinition => d.name === 'sendDeviceMessage');
    if (!definition) throw new Error('sendDeviceMessage is not defined');
    const response = await guardHttp(definition, undefined)(
      new HttpRequest({
        method: 'POST',
        url: 'http://localhost/api/devices/d1/messages',
        params: { id: 'd1' },
        headers: { authorization: 'SharedAccessSignature sr=...' },
        body: { string: '{"temperature":20}' },
      }),
      new InvocationContext({ functionName: 'sendDeviceMessage' }),
    );
    expect(response.status).toBe(429);
    expect(response.headers).toEqual({ 'retry-after': '7' });
    expect(response.jsonBody).toEqual({
      error: {
        code: 'too_many_requests',
        message: 'IoT Hub is throttling this device; retry after the Retry-After delay',
      },
    });
  });
});
