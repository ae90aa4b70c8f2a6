import { parseAlarmRule } from '../../../functions/src/fleet/contract';
import type { Api } from '../api';
import type { AlarmRule } from '../telemetryTypes';

/**
 * The alarm rules: listed for everyone; operators add, replace and delete them. The form checks a
 * rule with the API's own validation (`parseAlarmRule`) before sending it, and shows every problem.
 */
export function createRuleEditor(options: { root: HTMLElement; api: Api; canOperate: boolean }) {
  const { root, api } = options;
  const list = root.querySelector('#rule-list') as HTMLOListElement;
  const form = root.querySelector('#rule-form') as HTMLFormElement;
  const result = form.querySelector('output') as HTMLOutputElement;
  const kind = form.elements.namedItem('kind') as HTMLSelectElement;
  const scopeKind = form.elements.namedItem('scopeKind') as HTMLSelectElement;
  if (!options.canOperate) form.remove();
  else {
    form.hidden = false;
    const showKind = () => {
      for (const field of form.querySelectorAll<HTMLElement>('[data-kind]'))
        field.hidden = field.dataset.kind !== kind.value;
    };
    const showScope = () => {
      (form.elements.namedItem('scopeValue') as HTMLInputElement).disabled =
        scopeKind.value === 'fleet';
    };
    kind.addEventListener('change', showKind);
    scopeKind.addEventListener('change', showScope);
    showKind();
    showScope();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const { ruleId, rule } = ruleFromForm(new FormData(form));
      const parsed = parseAlarmRule(ruleId, rule);
      if (!parsed.ok) {
        result.dataset.state = 'invalid';
        result.textContent = parsed.problems.join('; ');
        return;
      }
      result.dataset.state = 'saving';
      result.textContent = 'saving…';
      api.putAlarmRule(ruleId, rule).then(
        () => {
          result.dataset.state = 'saved';
          result.textContent = `Saved rule ${ruleId}.`;
          void refresh();
        },
        (error: unknown) => {
          result.dataset.state = 'invalid';
          result.textContent = `Not saved: ${error instanceof Error ? error.message : String(error)}`;
        },
      );
    });
  }

  const render = (rules: readonly AlarmRule[]) => {
    list.replaceChildren(
      ...rules.map((rule) => {
        const item = document.createElement('li');
        item.dataset.ruleId = rule.ruleId;
        item.dataset.severity = rule.severity;
        const text = document.createElement('span');
        text.textContent = `${rule.ruleId}: ${describe(rule)}`;
        item.append(text);
        if (options.canOperate) {
          const remove = document.createElement('button');
          remove.type = 'button';
          remove.textContent = 'Delete';
          remove.setAttribute('aria-label', `Delete rule ${rule.ruleId}`);
          remove.addEventListener(
            'click',
            () => void api.deleteAlarmRule(rule.ruleId).then(() => refresh()),
          );
          item.append(' ', remove);
        }
        return item;
      }),
    );
    if (rules.length === 0)
      list.append(
        Object.assign(document.createElement('li'), {
          textContent: 'No rules yet.',
          className: 'muted',
        }),
      );
  };

  const refresh = () => api.alarmRules().then(render, () => undefined);
  return { refresh };
}

function ruleFromForm(data: FormData): { ruleId: string; rule: Record<string, unknown> } {
  const text = (name: string) => String(data.get(name) ?? '').trim();
  const number = (name: string) => (text(name) === '' ? Number.NaN : Number(text(name)));
  const scope =
    text('scopeKind') === 'fleet' ? { fleet: true } : { [text('scopeKind')]: text('scopeValue') };
  const common = { scope, severity: text('severity'), description: text('description') };
  const rule =
    text('kind') === 'offline'
      ? { kind: 'offline', afterSeconds: number('afterSeconds'), ...common }
      : {
          kind: 'threshold',
          metric: text('metric'),
          op: text('op'),
          threshold: number('threshold'),
          forSeconds: number('forSeconds'),
          ...common,
        };
  return { ruleId: text('ruleId'), rule };
}

function describe(rule: AlarmRule): string {
  const scope =
    'fleet' in rule.scope
      ? 'fleet'
      : 'tag' in rule.scope
        ? `tag ${rule.scope.tag}`
        : rule.scope.deviceId;
  return rule.kind === 'offline'
    ? `offline after ${rule.afterSeconds} s (${scope}, ${rule.severity})`
    : `${rule.metric} ${rule.op} ${rule.threshold}${rule.forSeconds ? ` for ${rule.forSeconds} s` : ''} (${scope}, ${rule.severity})`;
}
