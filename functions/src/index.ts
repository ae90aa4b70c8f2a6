import { app } from '@azure/functions';
import { createFunctionDefinitions } from './functionDefinitions';
import { loadConfig } from './platform/config';
import { registerFunctions } from './platform/registerFunctions';
import { createServices } from './services';

// Fails the host's indexing with a message naming every missing or bad setting.
const config = loadConfig(process.env);

const services = createServices(config);
registerFunctions(app, createFunctionDefinitions(services), services.authenticate);

// The encounters feature's indexes are ensured as the worker starts; a failure here is retried by
// the first invocation that needs the database, so it is only logged.
services.encounters
  ?.connect()
  .catch((error: unknown) =>
    console.warn(
      `MongoDB is not reachable yet (the first encounter invocation retries): ${String(error)}`,
    ),
  );
