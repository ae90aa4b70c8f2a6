import type { Api } from '../api';
import type { JobView } from '../telemetryTypes';

/** How often a running job's progress is read (the API caches it for two seconds). */
const pollMs = 2_000;

/**
 * The jobs panel: an operator starts a job for a tag (desired properties or a command) and
 * watches its progress until it ends, with the devices it failed on. Viewers see no form.
 */
export function createJobsPanel(options: {
  readonly root: HTMLElement;
  readonly api: Api;
  readonly canOperate: boolean;
}) {
  const { root, api } = options;
  const form = root.querySelector('form') as HTMLFormElement;
  const list = root.querySelector('ol') as HTMLOListElement;
  const result = form.querySelector('output') as HTMLOutputElement;
  if (!options.canOperate) {
    form.remove();
    root.hidden = true;
    return;
  }
  root.hidden = false;
  const kind = form.elements.namedItem('kind') as HTMLSelectElement;
  const body = form.elements.namedItem('body') as HTMLTextAreaElement;
  kind.addEventListener('change', () => {
    body.value =
      kind.value === 'command'
        ? '{"name": "getDiagnostics", "payload": {}}'
        : '{"sampleIntervalSeconds": 30}';
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(data.get('body') || '{}'));
    } catch {
      result.textContent = 'The body is not valid JSON.';
      return;
    }
    const spec = {
      target: { tag: String(data.get('tag') ?? '') },
      ...(kind.value === 'command' ? { command: parsed } : { desired: parsed }),
    };
    result.textContent = 'starting…';
    api.createJob(spec).then(
      ({ jobId }) => {
        result.textContent = `Started ${jobId}.`;
        const item = document.createElement('li');
        item.dataset.jobId = jobId;
        list.prepend(item);
        void follow(jobId, item, spec.target.tag);
      },
      (error: unknown) => {
        result.textContent = `Not started: ${error instanceof Error ? error.message : String(error)}`;
      },
    );
  });

  async function follow(jobId: string, item: HTMLLIElement, tag: string) {
    for (;;) {
      let job: JobView;
      try {
        job = await api.job(jobId);
      } catch (error) {
        item.textContent = `${tag}: could not read ${jobId}: ${String(error)}`;
        return;
      }
      render(job, item, tag);
      if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled')
        return;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  function render(job: JobView, item: HTMLLIElement, tag: string) {
    const { total, succeeded, failed, pending } = job.counts;
    const progress = Object.assign(document.createElement('progress'), {
      max: Math.max(total, 1),
      value: succeeded + failed,
    });
    const text = document.createElement('span');
    text.className = 'job-status';
    text.dataset.status = job.status;
    text.textContent = ` ${job.type} on ${tag}: ${job.status}, ${succeeded} of ${total} done, ${failed} failed, ${pending} pending`;
    const cancel = Object.assign(document.createElement('button'), {
      type: 'button',
      textContent: 'Cancel',
    });
    cancel.hidden = job.status !== 'queued' && job.status !== 'running';
    cancel.addEventListener('click', () => {
      void api.cancelJob(job.jobId).then((cancelled) => render(cancelled, item, tag));
    });
    const failures = document.createElement('ul');
    failures.className = 'job-failures';
    for (const failure of job.failures)
      failures.append(
        Object.assign(document.createElement('li'), {
          textContent: `${failure.deviceId}: ${failure.code}`,
        }),
      );
    item.replaceChildren(progress, text, cancel, failures);
  }
}
