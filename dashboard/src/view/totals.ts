import type { DeviceStore } from '../deviceStore';
import { formatCount } from '../format';

/** The header's totals: devices, accepted readings and rejected readings across the fleet. */
export function createTotals(container: HTMLElement, store: DeviceStore) {
  return {
    render(): void {
      let readings = 0;
      let rejected = 0;
      for (const view of store.all()) {
        readings += view.count;
        rejected += view.rejected;
      }
      const totals = [
        ['devices', formatCount(store.size)],
        ['readings', formatCount(readings)],
        ['rejected', formatCount(rejected)],
      ];
      container.replaceChildren(
        ...totals.map(([label, value]) => {
          const item = document.createElement('div');
          item.append(
            Object.assign(document.createElement('dt'), { textContent: label }),
            Object.assign(document.createElement('dd'), { textContent: value }),
          );
          return item;
        }),
      );
    },
  };
}
