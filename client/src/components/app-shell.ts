/**
 * `<kazru-app>`: header (title, language switcher, "reconnecting…" indicator), a hash router
 * (`#/` = upload + jobs, `#/jobs/<id>` = transcript) and the aria-live region that reads status
 * changes out. Loads the server's limits first and keeps retrying while the server is away.
 */
import { css, html, nothing } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { fetchServiceInfo, onConnectionChange, type Job, type ServiceInfo } from '../api.js';
import { getLang, setLang, t, type Lang } from '../i18n.js';
import { errorText, sharedStyles, LocalizedElement } from './shared.js';
import type { JobList } from './job-list.js';
import './job-list.js';
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

@customElement('kazru-app')
export class AppShell extends LocalizedElement {
  @state() private jobId: string | null = jobIdFromHash(location.hash);
  @state() private info: ServiceInfo | null = null;
  @state() private infoError = '';
  @state() private reconnecting = false;
  @state() private live = '';

  @query('kazru-job-list') private jobList?: JobList;

  private retryTimer?: number;
  private stopConnection?: () => void;
  private readonly onHash = () => {
    this.jobId = jobIdFromHash(location.hash);
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
      .offline {
        border-color: #b91c1c;
        background: #fef2f2;
      }
      .offline p {
        margin: 0 0 0.5rem;
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
    this.stopConnection = onConnectionChange(({ online }) => (this.reconnecting = !online));
    void this.loadInfo();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHash);
    window.clearTimeout(this.retryTimer);
    this.stopConnection?.();
  }

  private async loadInfo() {
    window.clearTimeout(this.retryTimer);
    try {
      this.info = await fetchServiceInfo();
      this.infoError = '';
    } catch (err) {
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
          </div>
        </div>
      </header>
      <main>
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
          this.jobId
            ? html`<kazru-transcript .jobId=${this.jobId}></kazru-transcript>`
            : html`<kazru-upload .info=${this.info}></kazru-upload>
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
