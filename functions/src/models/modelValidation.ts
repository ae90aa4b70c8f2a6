import { AppError } from '../host/appError';
import { commonJsExports } from '../host/commonJsModule';

// DTDL interfaces, checked by Microsoft's own parser (@azure/dtdl-parser, the DTDL v2 and v3
// language specs: schemas, names, DTMIs, components, extends), plus what only the API knows: the
// model's `@id` is the one in the URL.
// https://github.com/Azure/opendigitaltwins-dtdl/blob/master/DTDL/v3/DTDL.v3.md

/** A DTMI: `dtmi:` segments of letters, digits and underscores, `;` and a version (DTDL v3 §DTMI). */
export const dtmiPattern =
  /^dtmi:[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?(?::[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?)*(?:;[1-9][0-9]{0,8}(?:\.[1-9][0-9]{0,5})?)?$/;

/** The most of a model's JSON taken, in bytes: one table property holds 32K characters. */
export const maxModelChars = 30_000;

interface ParsingError {
  readonly cause?: string;
  readonly action?: string;
}

/**
 * The interface's problems, each named; none when it is a valid DTDL v2 or v3 interface whose
 * `@id` is `dtmi`. `known` are models already stored that it may extend or use as components.
 */
export async function modelProblems(
  dtmi: string,
  model: unknown,
  known: readonly unknown[] = [],
): Promise<string[]> {
  if (!dtmiPattern.test(dtmi)) return [`"${dtmi}" is not a valid DTMI (dtmi:<path>;<version>)`];
  if (typeof model !== 'object' || model === null || Array.isArray(model))
    return ['send one DTDL interface as a JSON object'];
  const id = (model as { '@id'?: unknown })['@id'];
  if (id !== dtmi) return [`the model's @id ${JSON.stringify(id)} is not the URL's ${dtmi}`];
  const { createParser, ModelParsingOption } = commonJsExports(await import('@azure/dtdl-parser'));
  const parser = createParser(ModelParsingOption.PermitAnyTopLevelElement);
  try {
    await parser.parse([model, ...known].map((part) => JSON.stringify(part)));
    return [];
  } catch (error) {
    const listed = (error as { _parsingErrors?: ParsingError[] })._parsingErrors;
    if (!Array.isArray(listed)) throw error;
    return [
      // The beta's message for a repeated name leaves the name out ('{dtmiSeg}'): say it here.
      ...repeatedNames(model).map((name) => `contents: the name "${name}" is used more than once`),
      ...listed.map((problem) =>
        [problem.cause, problem.action].filter((part) => part !== undefined).join(' '),
      ),
    ];
  }
}

function repeatedNames(model: object): string[] {
  const contents = (model as { contents?: unknown }).contents;
  if (!Array.isArray(contents)) return [];
  const names = contents.flatMap((item) =>
    typeof item?.name === 'string' ? [item.name as string] : [],
  );
  return [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
}

/** Throws a 400 that names every problem of the model. */
export async function checkModel(dtmi: string, model: unknown, known: readonly unknown[]) {
  const problems = await modelProblems(dtmi, model, known);
  if (problems.length > 0) throw new AppError('validation_failed', problems.join('; '));
}
