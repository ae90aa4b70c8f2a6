import { type DashboardConfig, loadDashboardConfig } from './dashboardConfig';
import { type Session, startSession } from './session';

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * What every page of the build does first: read `config.json`, show the stage, sign in (or show the
 * sign-in screen and wait), then show the page with the person's name and a sign-out button. The
 * pages share these element ids: stage, sign-in, sign-in-button, connection, app, user, sign-out.
 */
export async function openSignedInPage(): Promise<{ config: DashboardConfig; session: Session }> {
  const config = await loadDashboardConfig();
  element('stage').textContent = config.stage;
  const session = await startSession(config.auth, {
    show(signIn) {
      element('sign-in').hidden = false;
      element('connection').hidden = true;
      element('sign-in-button').addEventListener('click', signIn);
    },
  });
  element('app').hidden = false;
  element('user').textContent = session.name;
  const signOut = element<HTMLButtonElement>('sign-out');
  signOut.hidden = false;
  signOut.addEventListener('click', () => void session.signOut());
  return { config, session };
}

/** Runs a page's start-up, showing why in the page's `fatal` element when it fails. */
export function startPage(what: string, start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    const fatal = element('fatal');
    fatal.hidden = false;
    fatal.textContent = `${what} could not start: ${error instanceof Error ? error.message : String(error)}`;
  });
}
