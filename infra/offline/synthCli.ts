import path from 'node:path';
import { readOptions } from '../../tools/cliArgs';
import { StageConfigError } from '../stageConfig';
import { StackConfigFileError, synthesize } from './synthesize';

const usage = 'npm run synth -- --stack <name> [--json]';

/**
 * Prints the resource graph of a stack offline. The program is loaded exactly as Pulumi's Node.js
 * runtime loads it: through ts-node with the project's tsconfig.
 */
async function main(argv: readonly string[]): Promise<number> {
  const read = readOptions(argv, { stack: 'string', json: 'boolean' }, usage);
  if ('problem' in read) {
    console.error(read.problem);
    return 2;
  }
  const { stack, json = false } = read.values;
  if (!stack) {
    console.error(`--stack is required\nusage: ${usage}`);
    return 2;
  }
  try {
    const resources = await synthesize(stack, () => require(path.join(__dirname, '../index.ts')));
    if (json) {
      process.stdout.write(`${JSON.stringify(resources, null, 2)}\n`);
    } else {
      for (const resource of resources)
        console.log(
          `${resource.parent ? '  ' : ''}${resource.type}  ${resource.name}${resource.parent ? `  (in ${resource.parent})` : ''}`,
        );
      console.log(`\n${resources.length} resources in stack ${stack}`);
    }
    return 0;
  } catch (error) {
    const known = error instanceof StageConfigError || error instanceof StackConfigFileError;
    console.error(known ? error.message : error);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
