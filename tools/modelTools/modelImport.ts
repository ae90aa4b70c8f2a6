import { type FoundInterface, jsonFiles, type ModelFile, readModelFile } from './modelFiles';

/** Where the models go: fieldline's models API, as `npm run models` reaches it. */
export interface ModelApi {
  /** The DTMIs already stored, which the folder's models may extend or use. */
  storedDtmis(): Promise<ReadonlySet<string>>;
  /** Stores one model; the API's reason when it refuses. */
  put(dtmi: string, model: Record<string, unknown>): Promise<string | undefined>;
}

export interface ImportSummary {
  readonly files: number;
  readonly imported: number;
  readonly rejected: readonly { readonly file: string; readonly reason: string }[];
}

/**
 * Imports a folder of DTDL files: every interface is stored after the interfaces it extends or
 * uses as a component, which must be in the folder or stored already. Each step is logged; a
 * file is rejected, with its reasons, if it cannot be read or any of its interfaces is refused.
 */
export async function importModels(
  folder: string,
  api: ModelApi,
  log: (line: string) => void,
): Promise<ImportSummary> {
  const files = await Promise.all(
    (await jsonFiles(folder)).map((file) => readModelFile(file, folder)),
  );
  const reasons = new Map<string, string[]>();
  const reject = (file: string, reason: string) =>
    reasons.set(file, [...(reasons.get(file) ?? []), reason]);
  const found = new Map<string, FoundInterface>();
  for (const file of files) {
    if (file.problem) reject(file.file, file.problem);
    for (const warning of file.warnings) log(`${file.file}: note: ${warning}`);
    for (const part of file.leftOut)
      log(`${file.file}: left out ${part} (IoT Central's, not the device's)`);
    for (const model of file.interfaces) {
      const first = found.get(model.dtmi);
      if (first) reject(model.file, `${model.dtmi} is defined in ${first.file} too`);
      else found.set(model.dtmi, model);
    }
  }
  const stored = await api.storedDtmis();
  const outcome = new Map<string, string | undefined>();
  const total = found.size;
  let step = 0;
  let imported = 0;

  // Depth first, so that what a model needs is stored before it; `path` catches a cycle.
  async function store(dtmi: string, path: readonly string[]): Promise<string | undefined> {
    if (outcome.has(dtmi)) return outcome.get(dtmi);
    const model = found.get(dtmi) as FoundInterface;
    let problem: string | undefined;
    for (const need of model.dependsOn) {
      if (path.includes(need)) problem = `depends on itself: ${[...path, dtmi, need].join(' -> ')}`;
      else if (found.has(need)) {
        if (await store(need, [...path, dtmi])) problem = `needs ${need}, which was rejected`;
      } else if (!stored.has(need))
        problem = `needs ${need}, which is neither in the folder nor stored`;
      if (problem) break;
    }
    problem ??= await api.put(dtmi, model.model);
    step += 1;
    log(
      `[${step}/${total}] ${dtmi} (${model.file}): ${problem ? `rejected: ${problem}` : 'stored'}`,
    );
    if (problem) reject(model.file, `${dtmi}: ${problem}`);
    else imported += 1;
    outcome.set(dtmi, problem);
    return problem;
  }

  for (const dtmi of found.keys()) await store(dtmi, []);
  return {
    files: files.length,
    imported,
    rejected: [...reasons].map(([file, list]) => ({ file, reason: list.join('; ') })),
  };
}

export type { ModelFile };
