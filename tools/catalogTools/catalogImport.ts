import { createReadStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  type CatalogSearch,
  type CatalogStore,
  parseTrack,
  type Track,
  trackFields,
} from '../../functions/src/hosting';

export interface ImportSummary {
  readonly imported: number;
  readonly rejected: readonly { readonly line: number; readonly problems: readonly string[] }[];
  /** Lines skipped because an earlier run had done them. */
  readonly resumedAfter: number;
}

const csvColumns: readonly string[] = trackFields;

/**
 * Imports tracks from JSON Lines (one track object a line) or CSV (a header naming the columns,
 * `genres` separated by `;`) in batches: each batch to the catalog, then to the search index. Every
 * finished batch is recorded in `<file>.progress`, so a run stopped half-way resumes after the last
 * batch it finished (`restart` starts over). Rows that are not valid tracks are counted and named.
 */
export async function importCatalog(options: {
  readonly file: string;
  readonly store: CatalogStore;
  readonly search: CatalogSearch;
  readonly batchSize?: number;
  readonly restart?: boolean;
  readonly log: (line: string) => void;
}): Promise<ImportSummary> {
  const progressFile = `${options.file}.progress`;
  const batchSize = options.batchSize ?? 500;
  const resumedAfter = options.restart
    ? 0
    : Number((await readFile(progressFile, 'utf8').catch(() => '0')).trim()) || 0;
  if (resumedAfter > 0) options.log(`resuming after line ${resumedAfter} (from ${progressFile})`);
  const csv = options.file.toLowerCase().endsWith('.csv');
  const rejected: { line: number; problems: string[] }[] = [];
  let header: string[] | undefined;
  let batch: Track[] = [];
  let lineNumber = 0;
  let imported = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await options.store.put(batch, new Date());
    await options.search.upsert(batch);
    imported += batch.length;
    batch = [];
    await writeFile(progressFile, String(lineNumber));
    options.log(`${imported} imported, ${rejected.length} rejected (line ${lineNumber})`);
  };
  const lines = createInterface({
    input: createReadStream(options.file, 'utf8'),
    crlfDelay: Infinity,
  });
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    if (csv && !header) {
      header = splitCsv(text).map((h) => h.trim());
      const unknown = header.filter((h) => !csvColumns.includes(h));
      if (unknown.length > 0 || !header.includes('id'))
        throw new Error(
          `the CSV header must name the columns ${csvColumns.join(', ')} (id is required); unknown: ${unknown.join(', ') || 'none'}`,
        );
      continue;
    }
    if (lineNumber <= resumedAfter) continue;
    let row: Record<string, unknown>;
    try {
      row = csv
        ? csvRow(header as string[], splitCsv(text))
        : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      rejected.push({ line: lineNumber, problems: [csv ? 'not a CSV row' : 'not a JSON object'] });
      continue;
    }
    const parsed = parseTrack(String(row?.id ?? ''), row);
    if (!parsed.ok) rejected.push({ line: lineNumber, problems: parsed.problems });
    else batch.push(parsed.track);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await rm(progressFile, { force: true });
  return { imported, rejected, resumedAfter };
}

function csvRow(header: readonly string[], cells: readonly string[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  header.forEach((column, i) => {
    const cell = (cells[i] ?? '').trim();
    if (cell === '') return;
    if (column === 'genres')
      row.genres = cell
        .split(';')
        .map((g) => g.trim())
        .filter(Boolean);
    else if (['year', 'durationSeconds', 'popularity'].includes(column))
      row[column] = /^-?\d+$/.test(cell) ? Number(cell) : cell;
    else row[column] = cell;
  });
  return row;
}

/** One CSV line's cells: commas separate, double quotes quote ("" is a quote). */
function splitCsv(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}
