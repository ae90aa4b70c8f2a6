import type { Api } from '../api';
import { formatAge } from '../format';
import type { DeviceActivity, DeviceState } from '../telemetryTypes';

/** Commands the simulated and sample devices answer; any other name may be typed. */
const knownCommands = ['getDiagnostics', 'reboot'];

function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node: HTMLElementTagNameMap[K] = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

/**
 * The device's side of the detail dialog: its connection, its reported properties with when each
 * changed, and its activity; for operators, an editor for its desired properties and a command
 * form that shows the device's answer. Viewers get neither form: the API would refuse them.
 */
export function createDevicePanel(options: {
  readonly root: HTMLElement;
  readonly api: Api;
  readonly canOperate: boolean;
}) {
  const { root, api, canOperate } = options;
  const connection = make('p', { className: 'device-connection', role: 'status' });
  const reported = make('table', { className: 'reported' });
  const activity = make('ol', { className: 'activity' });
  const {
    desiredText,
    desiredResult,
    desiredForm,
    commandName,
    commandPayload,
    commandAnswer,
    commandForm,
  } = buildForms();
  root.replaceChildren(
    make('h3', {}, 'Device'),
    connection,
    make('h4', {}, 'Reported properties'),
    reported,
    ...(canOperate ? [desiredForm, commandForm] : []),
    make('h4', {}, 'Activity'),
    activity,
  );
  let deviceId: string | undefined;

  const readJson = (text: string, what: string): unknown => {
    try {
      return JSON.parse(text || '{}');
    } catch {
      throw new Error(`${what} is not valid JSON`);
    }
  };

  async function refreshActivity(id: string) {
    try {
      const entries = await api.activity(id);
      if (id !== deviceId) return;
      activity.replaceChildren(...entries.map(renderActivity));
      if (entries.length === 0) activity.append(make('li', { className: 'muted' }, 'Nothing yet.'));
    } catch (error) {
      activity.replaceChildren(make('li', {}, `Could not load activity: ${String(error)}`));
    }
  }

  desiredForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = deviceId;
    if (!id) return;
    desiredResult.textContent = 'sending…';
    Promise.resolve()
      .then(() => api.patchDesired(id, readJson(desiredText.value, 'The patch')))
      .then(
        (twin) => {
          desiredResult.textContent = `Sent: desired version ${twin.properties.desired.$version}.`;
          void refreshActivity(id);
        },
        (error: unknown) => {
          desiredResult.textContent = `Not sent: ${error instanceof Error ? error.message : String(error)}`;
        },
      );
  });
  commandForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = deviceId;
    if (!id) return;
    commandAnswer.textContent = 'waiting for the device…';
    Promise.resolve()
      .then(() =>
        api.runCommand(id, commandName.value, readJson(commandPayload.value, 'The payload')),
      )
      .then(
        (answer) => {
          commandAnswer.textContent = `status ${answer.status}\n${JSON.stringify(answer.payload, null, 2)}`;
        },
        (error: unknown) => {
          commandAnswer.textContent = `No answer: ${error instanceof Error ? error.message : String(error)}`;
        },
      )
      .finally(() => void refreshActivity(id));
  });

  return {
    open(id: string, state: DeviceState | undefined) {
      deviceId = id;
      desiredResult.textContent = '';
      commandAnswer.textContent = '';
      activity.replaceChildren();
      this.update(state);
      void refreshActivity(id);
      if (canOperate)
        api.twin(id).then(
          (twin) => {
            if (id !== deviceId) return;
            const { $metadata: _m, $version: _v, ...desired } = twin.properties.desired;
            desiredText.value = JSON.stringify(desired, null, 2);
          },
          () => {
            desiredText.value = '{}';
          },
        );
    },
    /** Shows the state the live feed last brought: connection and reported properties. */
    update(state: DeviceState | undefined) {
      const now = Date.now();
      connection.dataset.state = state?.connection?.state ?? 'unknown';
      connection.textContent = state?.connection
        ? `${state.connection.state} since ${formatAge(state.connection.since, now)}`
        : 'no connection reported (devices on HTTPS hold none)';
      const properties = state?.reported?.properties ?? {};
      const updated = state?.reported?.lastUpdated ?? {};
      reported.replaceChildren(
        ...Object.entries(properties).map(([key, value]) =>
          make(
            'tr',
            {},
            make('th', { scope: 'row' }, key),
            make('td', {}, JSON.stringify(value)),
            make('td', { className: 'muted' }, formatAge(updated[key] ?? null, now)),
          ),
        ),
      );
      if (Object.keys(properties).length === 0)
        reported.append(make('tr', {}, make('td', { className: 'muted' }, 'None reported.')));
    },
  };
}

/** The operators' two forms: a desired-properties patch, and a command with its payload. */
function buildForms() {
  const desiredText = make('textarea', {
    name: 'desired',
    rows: 4,
    spellcheck: false,
    ariaLabel: 'Desired properties patch (JSON)',
  });
  const desiredResult = make('output', { className: 'desired-result' });
  const desiredForm = make(
    'form',
    { className: 'desired-form' },
    make('h4', {}, 'Desired properties'),
    make('p', { className: 'muted' }, 'A JSON patch: keys merge, null deletes.'),
    desiredText,
    make('button', { type: 'submit' }, 'Send desired'),
    desiredResult,
  );
  const commandName = make('input', {
    name: 'command',
    value: 'getDiagnostics',
    ariaLabel: 'Command name',
  });
  commandName.setAttribute('list', 'known-commands');
  const commandPayload = make('textarea', {
    name: 'payload',
    rows: 2,
    spellcheck: false,
    value: '{}',
    ariaLabel: 'Command payload (JSON)',
  });
  const commandAnswer = make('pre', { className: 'command-answer' });
  const commandForm = make(
    'form',
    { className: 'command-form' },
    make('h4', {}, 'Command'),
    make(
      'datalist',
      { id: 'known-commands' },
      ...knownCommands.map((name) => make('option', { value: name })),
    ),
    commandName,
    commandPayload,
    make('button', { type: 'submit' }, 'Run command'),
    commandAnswer,
  );
  return {
    desiredText,
    desiredResult,
    desiredForm,
    commandName,
    commandPayload,
    commandAnswer,
    commandForm,
  };
}

function renderActivity(entry: DeviceActivity): HTMLLIElement {
  const what =
    entry.action === 'desired'
      ? `set desired ${JSON.stringify(entry.detail.patch)}`
      : entry.action === 'command'
        ? `ran ${String(entry.detail.name)}: ${entry.detail.error ? String(entry.detail.error) : `status ${String(entry.detail.status)}`}`
        : `job ${String(entry.detail.jobId)}`;
  return make(
    'li',
    {},
    make('time', { dateTime: entry.at }, new Date(entry.at).toLocaleTimeString()),
    ` ${entry.name ?? entry.subject} ${what}`,
  );
}
