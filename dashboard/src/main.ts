import { createApi } from './api';
import { DeviceStore } from './deviceStore';
import { type ConnectionState, connectLive } from './liveConnection';
import { openSignedInPage, startPage } from './signedInPage';
import type { DeviceState, Rejection } from './telemetryTypes';
import { createAlarmsPanel } from './view/alarmsPanel';
import { createAlertsPanel } from './view/alertsPanel';
import { showConnection } from './view/connectionBadge';
import { createDetailView } from './view/detailView';
import { createDeviceList } from './view/deviceList';
import { createJobsPanel } from './view/jobsPanel';
import { bindListControls, showTagOptions } from './view/listControls';
import { startOptionalPanels } from './view/optionalPanels';
import { createRuleEditor } from './view/ruleEditor';
import { createTotals } from './view/totals';

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Render timings for the benchmark, collected only with `?metrics`. */
interface Metrics {
  updateToPaintMs: number[];
  updates: number;
}
declare global {
  interface Window {
    fieldlineMetrics?: Metrics;
  }
}

/** Wires the dashboard: configuration, sign-in, the API, the live connection and the views. */
async function main(): Promise<void> {
  const { config, session } = await openSignedInPage();
  const api = createApi(config.apiBaseUrl, () => session.accessToken());
  const store = new DeviceStore();
  const metrics: Metrics | undefined = new URLSearchParams(location.search).has('metrics')
    ? { updateToPaintMs: [], updates: 0 }
    : undefined;
  window.fieldlineMetrics = metrics;

  const detail = createDetailView({
    dialog: element('detail'),
    store,
    api,
    canOperate: session.roles.has('Fleet.Operate'),
  });
  const list = createDeviceList({
    container: element('device-list'),
    spacer: element('device-spacer'),
    empty: element('empty'),
    store,
    config,
    onOpen: (id) => void detail.open(id),
  });
  const totals = createTotals(element('totals'), store);
  const canOperate = session.roles.has('Fleet.Operate');
  const alarms = createAlarmsPanel({ root: element('panel-alarms'), api, canOperate });
  const rules = createRuleEditor({ root: element('panel-rules'), api, canOperate });
  createJobsPanel({ root: element('panel-jobs'), api, canOperate });
  const alerts = createAlertsPanel({
    list: element('alert-list'),
    empty: element('alerts-empty'),
    count: element('alert-count'),
  });

  // Live updates are queued and applied once per animation frame, however fast they arrive.
  let pending: DeviceState[] = [];
  let arrivals: number[] = [];
  let scheduled = false;
  const frame = () => {
    scheduled = false;
    const batch = pending;
    const arrived = arrivals;
    pending = [];
    arrivals = [];
    const changed = store.applyUpdates(batch);
    list.refresh();
    detail.update(changed);
    totals.render();
    if (metrics && arrived.length > 0) {
      requestAnimationFrame(() => {
        const paintedAt = performance.now();
        for (const at of arrived) metrics.updateToPaintMs.push(paintedAt - at);
        metrics.updates += batch.length;
      });
    }
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(frame);
    }
  };

  const resync = async () => {
    try {
      // Recent rejections too, so a page opened after a problem still shows it; alerts de-duplicate.
      const [devices, rejections] = await Promise.all([api.devices(), api.recentRejections()]);
      alerts.add([...rejections].reverse());
      store.replaceAll(devices);
      showTagOptions(element('tag-filter'), store.tags());
      list.refresh();
      totals.render();
      void alarms.refresh();
      void rules.refresh();
    } catch (error) {
      setConnection('offline', `could not read devices: ${String(error)}`);
    }
  };

  // At most one gap-driven resync every five seconds, however many gaps a burst shows.
  let resyncing = false;
  const resyncSoon = () => {
    if (resyncing) return;
    resyncing = true;
    void resync().finally(() =>
      setTimeout(() => {
        resyncing = false;
      }, 5000),
    );
  };

  const setConnection = (state: ConnectionState, detail?: string) =>
    showConnection(element('connection'), state, detail);

  const panels = startOptionalPanels(api);
  connectLive({
    apiBaseUrl: config.apiBaseUrl,
    accessToken: () => session.accessToken(),
    onState: setConnection,
    onConnected: () => void resync(),
    handlers: {
      deviceState: (batch: DeviceState[]) => {
        // A gap (a send that never arrived) is filled from the API; pending ones are not yet applied.
        if (pending.length === 0 && store.missedBefore(batch)) resyncSoon();
        pending.push(...batch);
        if (metrics) arrivals.push(performance.now());
        schedule();
      },
      telemetryRejected: (batch: Rejection[]) => {
        alerts.add(batch);
        detail.addRejections(batch);
      },
      alarm: () => {
        void alarms.refresh();
        void rules.refresh();
      },
      analytics: () => panels.refresh(),
      encounterMatched: () => panels.refresh(),
    },
  });

  // Freshness changes with time alone, so the list is re-evaluated every second.
  setInterval(() => list.refresh(), 1000);
  // Tags and rules change through the API, not the live feed: read them again each minute.
  setInterval(() => void resync(), 60_000);

  bindListControls(
    {
      filter: element('filter'),
      tag: element('tag-filter'),
      status: element('status-filter'),
      sort: element('sort'),
      direction: element('sort-direction'),
    },
    list,
  );
  list.refresh();
}

startPage('The dashboard', main);
