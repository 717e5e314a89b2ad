/**
 * `<kazru-app>`: header (title, language switcher, "reconnecting…" indicator), a hash router
 * (`#/` = search + upload + jobs, `#/jobs/<id>` = search + transcript, `?t=<seconds>` plays
 * from there) and the aria-live region that reads status
 * changes out. Loads the server's limits first and keeps retrying while the server is away.
 * When the server asks for an API key (`AUTH_MODE=api-key`), shows a key form instead of the
 * page; the key is kept in localStorage and the page reloads with it.
 */
import { css, html, nothing } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import {
  ApiError,
  fetchServiceInfo,
  getApiKey,
  onAuthRequired,
  onConnectionChange,
  setApiKey,
  type Job,
  type ServiceInfo,
} from '../api.js';
import { getLang, setLang, t, type Lang } from '../i18n.js';
import { errorText, sharedStyles, LocalizedElement } from './shared.js';
import type { JobList } from './job-list.js';
import './job-list.js';
import './search-box.js';
import './transcript-view.js';
import './upload-panel.js';

const RETRY_MS = 5000;

/** The route from a location hash: the job id of `#/jobs/<id>`, or null for the home page. */
function jobIdFromHash(hash: string): string | null {
  const m = /^#\/jobs\/([^/?#]+)/.exec(hash);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** The start time of `#/jobs/<id>?t=<seconds>` (a search hit), or null. */
function startFromHash(hash: string): { seconds: number } | null {
  const m = /^#\/jobs\/[^?#]+\?(?:.*&)?t=([\d.]+)/.exec(hash);
  const seconds = m ? Number(m[1]) : Number.NaN;
  return Number.isFinite(seconds) ? { seconds } : null;
}

@customElement('kazru-app')
export class AppShell extends LocalizedElement {
  @state() private jobId: string | null = jobIdFromHash(location.hash);
  @state() private startAt: { seconds: number } | null = startFromHash(location.hash);
  @state() private info: ServiceInfo | null = null;
  @state() private infoError = '';
  @state() private reconnecting = false;
  @state() private live = '';
  /** Set when the server refused the key (or its absence): the message to show. */
  @state() private keyProblem: string | null = null;
  @state() private checkingKey = false;

  @query('kazru-job-list') private jobList?: JobList;

  private retryTimer?: number;
  private stopConnection?: () => void;
  private stopAuth?: () => void;
  private readonly onHash = () => {
    this.jobId = jobIdFromHash(location.hash);
    this.startAt = startFromHash(location.hash);
    window.scrollTo(0, 0);
  };

  static override styles = [
    sharedStyles,
    css`
      header {
        background: #0f2a5c;
        color: #fff;
        padding: 0.75rem 1rem;
      }
      .bar-top {
        max-width: 60rem;
        margin: 0 auto;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        justify-content: space-between;
      }
      h1 {
        font-size: 1.35rem;
        margin: 0;
      }
      h1 a {
        color: inherit;
        text-decoration: none;
      }
      .tagline {
        margin: 0.1rem 0 0;
        font-size: 0.9rem;
        color: #dbe4f5;
      }
      .right {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .langs button {
        border-color: #9fb3d9;
        background: transparent;
        color: #fff;
      }
      .langs button[aria-pressed='true'] {
        background: #fff;
        color: #0f2a5c;
        font-weight: 700;
      }
      .reconnecting {
        background: #fde68a;
        color: #3d2c00;
        border-radius: 999px;
        padding: 0.2rem 0.7rem;
        font-size: 0.9rem;
        font-weight: 600;
      }
      main {
        max-width: 60rem;
        margin: 0 auto;
        padding: 1rem;
        display: grid;
        gap: 1rem;
      }
      .demo-banner {
        border: 2px solid #b45309;
        background: #fffbeb;
        color: #78350f;
        border-radius: 0.5rem;
        padding: 0.75rem 1rem;
        margin: 0;
        font-weight: 600;
      }
      .offline {
        border-color: #b91c1c;
        background: #fef2f2;
      }
      .offline p {
        margin: 0 0 0.5rem;
      }
      .key-row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin-top: 0.25rem;
      }
      .key-row input {
        flex: 1 1 16rem;
        min-width: 0;
        font: inherit;
        padding: 0.4rem 0.5rem;
      }
      .forget {
        border-color: #9fb3d9;
        background: transparent;
        color: #fff;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHash);
    this.addEventListener('announce', (e) => (this.live = (e as CustomEvent<string>).detail));
    this.addEventListener('job-created', (e) =>
      this.jobList?.addJob((e as CustomEvent<Job>).detail),
    );
    this.stopAuth = onAuthRequired((err) => {
      this.keyProblem = getApiKey() ? t('keyRefused', { message: err.message }) : '';
    });
    this.stopConnection = onConnectionChange(({ online }) => (this.reconnecting = !online));
    void this.loadInfo();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHash);
    window.clearTimeout(this.retryTimer);
    this.stopConnection?.();
    this.stopAuth?.();
  }

  /** Checks a typed key against the server; reloads the page with it when accepted. */
  private async saveKey(e: SubmitEvent) {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('key') as HTMLInputElement;
    const key = input.value.trim();
    if (!key) return;
    this.checkingKey = true;
    setApiKey(key);
    try {
      await fetchServiceInfo();
      location.reload();
    } catch (err) {
      setApiKey(null);
      this.keyProblem =
        err instanceof ApiError && err.code === 'UNAUTHENTICATED'
          ? t('keyRefused', { message: err.message })
          : errorText(err);
    } finally {
      this.checkingKey = false;
    }
  }

  private forgetKey() {
    setApiKey(null);
    location.reload();
  }

  private renderKeyForm() {
    return html`<section class="card" aria-labelledby="key-title">
      <h2 id="key-title">${t('keyTitle')}</h2>
      <p>${t('keyHint')}</p>
      <form @submit=${(e: SubmitEvent) => void this.saveKey(e)}>
        <label for="api-key">${t('keyLabel')}</label>
        <div class="key-row">
          <input
            id="api-key"
            name="key"
            type="password"
            autocomplete="off"
            spellcheck="false"
            placeholder="kzr_…"
            required
          />
          <button type="submit" ?disabled=${this.checkingKey}>${t('keySave')}</button>
        </div>
      </form>
      ${this.keyProblem ? html`<p class="error" role="alert">${this.keyProblem}</p>` : nothing}
    </section>`;
  }

  private async loadInfo() {
    window.clearTimeout(this.retryTimer);
    try {
      this.info = await fetchServiceInfo();
      this.infoError = '';
    } catch (err) {
      if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') return;
      this.infoError = errorText(err);
      this.retryTimer = window.setTimeout(() => void this.loadInfo(), RETRY_MS);
    }
  }

  override render() {
    const lang = getLang();
    const langButton = (code: Lang, label: string) =>
      html`<button
        lang=${code}
        aria-pressed=${lang === code ? 'true' : 'false'}
        @click=${() => setLang(code)}
      >
        ${label}
      </button>`;
    return html`
      <header>
        <div class="bar-top">
          <div>
            <h1><a href="#/">KazRu-STT Pro</a></h1>
            <p class="tagline">${t('tagline')}</p>
          </div>
          <div class="right">
            ${
              this.reconnecting
                ? html`<span class="reconnecting" data-testid="reconnecting"
                    >${t('reconnecting')}</span
                  >`
                : nothing
            }
            <div class="langs" role="group" aria-label=${t('interfaceLanguage')}>
              ${langButton('kk', 'Қазақша')} ${langButton('ru', 'Русский')}
            </div>
            ${
              getApiKey()
                ? html`<button class="forget" @click=${() => this.forgetKey()}>
                    ${t('keyForget')}
                  </button>`
                : nothing
            }
          </div>
        </div>
      </header>
      <main>
        ${
          this.info?.engines.find((e) => e.id === this.info?.defaultEngine)?.demo
            ? html`<p class="demo-banner" role="note" data-testid="demo-banner">
                ${t('demoBanner')}
              </p>`
            : nothing
        }
        ${
          this.infoError
            ? html`<section class="card offline" role="alert">
                <p>${t('offline')}</p>
                <p class="muted">${this.infoError}</p>
                <button @click=${() => void this.loadInfo()}>${t('retryNow')}</button>
              </section>`
            : nothing
        }
        ${
          this.keyProblem !== null
            ? this.renderKeyForm()
            : this.jobId
              ? html`<kazru-search></kazru-search>
                  <kazru-transcript
                    .jobId=${this.jobId}
                    .startAt=${this.startAt}
                  ></kazru-transcript>`
              : html`<kazru-search></kazru-search>
                  <kazru-upload .info=${this.info}></kazru-upload>
                  <kazru-job-list></kazru-job-list>`
        }
      </main>
      <div class="visually-hidden" aria-live="polite" role="status">${this.live}</div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-app': AppShell;
  }
}
