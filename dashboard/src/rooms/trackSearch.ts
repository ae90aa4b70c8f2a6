import type { Track } from '../../../functions/src/catalog/contract';
import { formatDuration } from './roomView';

type Found = Pick<Track, 'id' | 'title' | 'artist' | 'durationSeconds'>;

/**
 * The catalog search on the rooms page: suggestions as one types (`/api/catalog/suggest`, after a
 * short pause), a full search on submit (`/api/catalog/search`, simple or full Lucene syntax), and
 * an Add button on each result.
 */
export function bindTrackSearch(options: {
  readonly form: HTMLFormElement;
  readonly results: HTMLElement;
  readonly get: <T>(path: string) => Promise<T>;
  readonly add: (track: Found) => void;
  readonly say: (text: string) => void;
}): void {
  const { form, results } = options;
  const input = form.elements.namedItem('q') as HTMLInputElement;
  const syntax = form.elements.namedItem('syntax') as HTMLSelectElement;
  let typing: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;

  const show = (found: readonly { track: Found; label?: string }[]) => {
    results.replaceChildren(
      ...found.map(({ track }) => {
        const item = document.createElement('li');
        item.dataset.track = track.id;
        const text = document.createElement('span');
        text.textContent = `${track.title} — ${track.artist} · ${formatDuration(track.durationSeconds)}`;
        const add = document.createElement('button');
        add.type = 'button';
        add.textContent = 'Add';
        add.setAttribute('aria-label', `Add ${track.title}`);
        add.addEventListener('click', () => options.add(track));
        item.append(text, add);
        return item;
      }),
    );
  };

  const run = async (path: string, pick: (body: unknown) => { track: Found }[]) => {
    const mine = ++asked;
    try {
      const body = await options.get<unknown>(path);
      if (mine === asked) show(pick(body));
    } catch (error) {
      if (mine === asked) options.say(error instanceof Error ? error.message : String(error));
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(typing);
    const text = input.value.trim();
    if (text.length < 2 || syntax.value === 'full') return;
    typing = setTimeout(
      () =>
        void run(
          `/catalog/suggest?q=${encodeURIComponent(text)}`,
          (body) => (body as { suggestions: { track: Found }[] }).suggestions,
        ),
      200,
    );
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(typing);
    const query = new URLSearchParams({
      q: input.value.trim() || '*',
      syntax: syntax.value,
      top: '20',
    });
    void run(`/catalog/search?${query}`, (body) => (body as { hits: { track: Found }[] }).hits);
  });
}
