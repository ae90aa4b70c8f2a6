import { runEmulatorCli } from '@fieldline/emulator-kit';
import { start } from './index';

runEmulatorCli(process.argv.slice(2), { name: 'fieldline-iothub', defaultPort: 7081, start }).then(
  (code) => process.exit(code),
);
