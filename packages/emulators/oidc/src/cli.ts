import { runEmulatorCli } from '@fieldline/emulator-kit';
import { start } from './index';

runEmulatorCli(process.argv.slice(2), { name: 'fieldline-oidc', defaultPort: 7084, start }).then(
  (code) => process.exit(code),
);
