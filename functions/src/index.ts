import { app } from '@azure/functions';
import { createFunctionDefinitions } from './functionDefinitions';
import { loadConfig } from './platform/config';
import { registerFunctions } from './platform/registerFunctions';
import { createServices } from './services';

// Fails the host's indexing with a message naming every missing or bad setting.
const config = loadConfig(process.env);

const services = createServices(config);
registerFunctions(app, createFunctionDefinitions(services), services.authenticate);

// MongoDB's indexes (encounters, rooms) are ensured as the worker starts; a failure here is
// retried by the first invocation that needs the database, so it is only logged.
services
  .connectDatabase()
  .catch((error: unknown) =>
    console.warn(
      `MongoDB is not reachable yet (the first invocation that needs it retries): ${String(error)}`,
    ),
  );
