import { type app as functionsApp, trigger } from '@azure/functions';
import type { Authenticate } from '../identity/tokenVerifier';
import type { FunctionDefinition } from './functionDefinition';
import { guardHttp } from './httpGuard';
import { signalRTriggerHandler } from './signalRTrigger';

type FunctionsApp = Pick<
  typeof functionsApp,
  'http' | 'eventHub' | 'timer' | 'storageQueue' | 'generic'
>;

/** Maps each definition onto the `@azure/functions` v4 programming model. */
export function registerFunctions(
  app: FunctionsApp,
  definitions: readonly FunctionDefinition[],
  /** Validates bearer tokens; absent when sign-in is not configured (protected calls get 503). */
  authenticate: Authenticate | undefined,
): void {
  for (const definition of definitions) {
    const { name, extraInputs = [], extraOutputs = [] } = definition;
    const bindings = { extraInputs: [...extraInputs], extraOutputs: [...extraOutputs] };
    switch (definition.kind) {
      case 'http':
        app.http(name, {
          route: definition.route,
          methods: [...definition.methods],
          // Anonymous to the platform: function keys are not meant to protect production APIs, so
          // every call goes through guardHttp, which enforces the definition's declared access.
          authLevel: 'anonymous',
          handler: guardHttp(definition, authenticate),
          ...bindings,
        });
        break;
      case 'eventHub':
        app.eventHub(name, {
          connection: definition.connection,
          eventHubName: definition.eventHubName,
          consumerGroup: definition.consumerGroup,
          cardinality: definition.cardinality,
          ...(definition.retry ? { retry: definition.retry } : {}),
          handler: definition.handler,
          ...bindings,
        });
        break;
      case 'timer':
        app.timer(name, {
          schedule: definition.schedule,
          runOnStartup: definition.runOnStartup ?? false,
          ...(definition.retry ? { retry: definition.retry } : {}),
          handler: definition.handler,
          ...bindings,
        });
        break;
      case 'storageQueue':
        app.storageQueue(name, {
          queueName: definition.queueName,
          connection: definition.connection,
          handler: definition.handler,
          ...bindings,
        });
        break;
      case 'signalR':
        // No binding for this trigger in the v4 model: the generic one carries the extension's
        // function.json properties. The handler's return value is the invocation's result.
        app.generic(name, {
          trigger: trigger.generic({
            type: 'signalRTrigger',
            name: 'invocation',
            hubName: definition.hubName,
            category: definition.category,
            event: definition.event,
            connectionStringSetting: definition.connectionStringSetting,
          }),
          handler: signalRTriggerHandler(definition),
          ...bindings,
        });
        break;
      default: {
        const unhandled: never = definition;
        throw new Error(`unknown function kind in ${JSON.stringify(unhandled)}`);
      }
    }
  }
}
