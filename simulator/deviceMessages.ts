import type { SimulationOptions } from './deviceSimulator';

export type MessageKind = 'good' | 'bad' | 'event' | 'poison';

export interface DeviceState {
  temperature: number;
  humidity: number;
  pressure: number;
}

/**
 * What a simulated device sends next: a reading that drifts from its last, a malformed or
 * out-of-range one, a product event, or a poison event, in the shares the options ask for.
 */
export function nextMessage(
  index: number,
  device: { readonly deviceId: string; readonly state: DeviceState },
  options: Pick<SimulationOptions, 'poisonShare' | 'productEventShare' | 'badShare' | 'body'>,
  random: () => number,
): { body: string; kind: MessageKind; reading?: ReturnType<typeof nextReading> } {
  const poison = random() < (options.poisonShare ?? 0);
  const productEvent = poison || random() < (options.productEventShare ?? 0);
  const bad = !productEvent && random() < (options.badShare ?? 0);
  if (poison)
    return {
      kind: 'poison',
      body: JSON.stringify(
        index % 2 === 0
          ? { event: 'view', product_id: `p-${'x'.repeat(200)}` }
          : { event: 'e'.repeat(100), product_id: 'p1' },
      ),
    };
  if (productEvent) return { kind: 'event', body: JSON.stringify(nextProductEvent(random)) };
  if (bad) return { kind: 'bad', body: badMessage(random) };
  const custom = options.body?.(index, device.deviceId);
  if (custom !== undefined) return { kind: 'good', body: custom };
  const reading = nextReading(device.state, index, random);
  return { kind: 'good', body: JSON.stringify(reading), reading };
}

function nextReading(state: DeviceState, messageId: number, random: () => number) {
  state.temperature = clamp(state.temperature + (random() - 0.5) * 0.4, -10, 45);
  state.humidity = clamp(state.humidity + (random() - 0.5) * 1.5, 5, 95);
  state.pressure = clamp(state.pressure + (random() - 0.5) * 0.8, 950, 1050);
  return {
    messageId,
    temperature: round(state.temperature),
    humidity: round(state.humidity),
    pressure: round(state.pressure),
    light: Math.round(random() * 800),
  };
}

// The sample catalogue's products (dev/sampleProducts.json), plus one the catalogue lacks.
const productIds = [
  'p-100',
  'p-101',
  'p-102',
  'p-103',
  'p-104',
  'p-105',
  'p-106',
  'p-107',
  'p-999',
];

function nextProductEvent(random: () => number) {
  const roll = random();
  const event = roll < 0.7 ? 'view' : roll < 0.9 ? 'add_to_cart' : 'purchase';
  return {
    event,
    event_value: event === 'purchase' ? 1 : 0,
    product_id: productIds[Math.floor(random() ** 1.6 * productIds.length)] as string,
    user_id: `user-${Math.floor(random() * 40)}`,
  };
}

function badMessage(random: () => number): string {
  const kinds = [
    '{"temperature": 21.5,',
    '{"temperature": "warm"}',
    '{"temperature": 150}',
    '{"humidity": -5}',
  ];
  return kinds[Math.floor(random() * kinds.length)] as string;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const round = (value: number) => Math.round(value * 100) / 100;
