import { describe, expect, it } from 'vitest';
import { type AzurePrices, costOf, loadAzurePrices, usagePerMillionEvents } from './costModel';

const prices: AzurePrices = {
  prices: {
    tableTransactionPer10k: { value: 0.0004, unit: '', source: '', readFrom: '', asOf: '' },
    functionsFlexGbSecond: { value: 0.00002, unit: '', source: '', readFrom: '', asOf: '' },
    functionsFlexPerMillionExecutions: { value: 0.5, unit: '', source: '', readFrom: '', asOf: '' },
    signalRPerMillionMessages: { value: 2, unit: '', source: '', readFrom: '', asOf: '' },
  },
  assumptions: { instanceMemoryMB: 2048, dashboardClients: 2, signalRBillingUnitBytes: 2048 },
};

describe('the cost model', () => {
  it('counts each design per million events from what the benchmark measured', () => {
    const { fieldline, seed } = usagePerMillionEvents(
      {
        rttMs: 10,
        eventsPerBatch: 100,
        devicesPerBatch: 50,
        handlerMsPerBatch: 40,
        tableRequestsPerEvent: 0.02,
        signalRUnitsPerBatch: 3,
        baselineHandlerMsPerBatch: 2000,
        baselineTableRequestsPerEvent: 2,
      },
      prices,
    );
    // 10,000 batches of 100 events.
    expect(fieldline).toEqual({
      tableTransactions: 20_000,
      executions: 10_000,
      gbSeconds: 10_000 * 0.04 * 2,
      signalRMessages: 10_000 * 3 * 2,
    });
    // Plus 50 HTTP calls per batch, each one round trip long and sending one message per client.
    expect(seed).toEqual({
      tableTransactions: 2_000_000,
      executions: 10_000 + 500_000,
      gbSeconds: ((10_000 * 2000 + 500_000 * 10) / 1000) * 2,
      signalRMessages: 500_000 * 2,
    });
    expect(costOf(fieldline, prices)).toBeCloseTo(
      (20_000 / 10_000) * 0.0004 + 0.01 * 0.5 + 800 * 0.00002 + 0.06 * 2,
      10,
    );
  });

  it('keeps, for every price, where it comes from and when it was read', () => {
    const { prices: all } = loadAzurePrices();
    for (const price of Object.values(all)) {
      expect(price.value).toBeGreaterThan(0);
      expect(price.source).toMatch(/^https:\/\/azure\.microsoft\.com\/pricing\//);
      expect(price.readFrom).toMatch(/^https:\/\//);
      expect(price.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});
