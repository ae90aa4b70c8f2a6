import type { SortKey } from '../deviceStore';
import type { createDeviceList } from './deviceList';

/** The filter box, the status filter, the sort key and the sort direction above the device list. */
export function bindListControls(
  controls: {
    readonly filter: HTMLInputElement;
    readonly tag: HTMLSelectElement;
    readonly status: HTMLSelectElement;
    readonly sort: HTMLSelectElement;
    readonly direction: HTMLButtonElement;
  },
  list: Pick<ReturnType<typeof createDeviceList>, 'setQuery'>,
): void {
  controls.filter.addEventListener('input', () => list.setQuery({ filter: controls.filter.value }));
  controls.tag.addEventListener('change', () => list.setQuery({ tag: controls.tag.value }));
  controls.status.addEventListener('change', () =>
    list.setQuery({ status: controls.status.value as never }),
  );
  controls.sort.addEventListener('change', () =>
    list.setQuery({ sort: controls.sort.value as SortKey }),
  );
  const { direction } = controls;
  direction.addEventListener('click', () => {
    const descending = direction.getAttribute('aria-pressed') !== 'true';
    direction.setAttribute('aria-pressed', String(descending));
    direction.textContent = descending ? '↓' : '↑';
    direction.setAttribute('aria-label', descending ? 'Sort ascending' : 'Sort descending');
    list.setQuery({ descending });
  });
}

/** Keeps the tag filter's options to the tags the fleet has, and the choice if it still exists. */
export function showTagOptions(select: HTMLSelectElement, tags: readonly string[]): void {
  const current = [...select.options].slice(1).map((option) => option.value);
  if (current.join('\n') === tags.join('\n')) return;
  const chosen = select.value;
  select.replaceChildren(
    new Option('All tags', ''),
    ...tags.map((tag) => new Option(`Tag: ${tag}`, tag, false, tag === chosen)),
  );
}
