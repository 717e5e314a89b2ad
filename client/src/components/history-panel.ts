/**
 * `<kazru-history>`: the revisions of the open transcript, newest first (number, time, author,
 * kind and summary), 20 at a time with "show more", each older one with "restore" (a revert to
 * it, itself a new revision that undo takes back). Re-read whenever the transcript's version
 * moves, so it follows everyone's changes.
 */
import { css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { getLang, hasMessage, t } from '../i18n.js';
import type { Workbench } from '../workbench.js';
import { fetchRevisions, type Revision } from '../workbench-api.js';
import { announce, errorText, sharedStyles, LocalizedElement } from './shared.js';

const PAGE = 20;

/** A revision's kind in the interface language (the server's word when it is a new kind). */
function kindText(kind: string): string {
  const key = `kind_${kind.replace(/-/g, '_')}`;
  return hasMessage(key) ? t(key) : kind;
}

@customElement('kazru-history')
export class HistoryPanel extends LocalizedElement {
  @property({ attribute: false }) workbench?: Workbench;
  /** Bumped whenever the transcript changed. */
  @property({ type: Number }) tick = 0;

  @state() private revisions: Revision[] = [];
  @state() private total = 0;
  @state() private endCursor: string | null = null;
  @state() private hasMore = false;
  @state() private error = '';

  private loadedAt = -1;
  private loads = 0;

  static override styles = [
    sharedStyles,
    css`
      section {
        border: 1px solid #d6dce5;
        border-radius: 8px;
        padding: 0.75rem;
        margin-bottom: 0.75rem;
      }
      ol {
        list-style: none;
        padding: 0;
        margin: 0.5rem 0;
        max-height: 20rem;
        overflow-y: auto;
      }
      li {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 0.75rem;
        align-items: baseline;
        padding: 0.35rem 0;
        border-bottom: 1px solid #eef2f8;
      }
      .number {
        font-weight: 700;
        font-variant-numeric: tabular-nums;
      }
      .summary {
        flex: 1 1 14rem;
        overflow-wrap: anywhere;
      }
      li button {
        min-height: 1.9rem;
        padding: 0.1rem 0.6rem;
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    const version = this.workbench?.version ?? -1;
    if ((changed.has('tick') || changed.has('workbench')) && version !== this.loadedAt) {
      this.loadedAt = version;
      void this.load(false);
    }
  }

  private async load(more: boolean) {
    const wb = this.workbench;
    if (!wb) return;
    const load = ++this.loads;
    try {
      const page = await fetchRevisions(wb.jobId, PAGE, more ? this.endCursor : null);
      if (load !== this.loads) return;
      this.revisions = more ? [...this.revisions, ...page.revisions] : page.revisions;
      this.total = page.totalCount;
      this.endCursor = page.endCursor;
      this.hasMore = page.hasNextPage;
      this.error = '';
    } catch (err) {
      if (load === this.loads) this.error = errorText(err);
    }
  }

  private async restore(r: Revision) {
    if (await this.workbench?.restore(r.number)) {
      announce(this, t('restored', { number: r.number }));
    }
  }

  override render() {
    const wb = this.workbench;
    const newest = this.revisions[0]?.number;
    const when = new Intl.DateTimeFormat(getLang() === 'ru' ? 'ru-RU' : 'kk-KZ', {
      dateStyle: 'short',
      timeStyle: 'medium',
    });
    return html`<section aria-labelledby="history-title">
      <h4 id="history-title">${t('history')}</h4>
      <p class="muted">${t('revisionsCount', { count: this.total })}</p>
      <ol>
        ${this.revisions.map(
          (r) =>
            html`<li data-revision=${r.number}>
              <span class="number">№${r.number}</span>
              <time datetime=${r.createdAt}>${when.format(new Date(r.createdAt))}</time>
              <span class="author">${r.author ?? t('authorUnknown')}</span>
              <span class="kind muted">${kindText(r.kind)}</span>
              <span class="summary">${r.summary}</span>
              ${
                r.number === newest
                  ? html`<span class="muted">(${t('currentRevision')})</span>`
                  : html`<button
                      class="restore"
                      aria-label=${t('restoreLabel', { number: r.number })}
                      ?disabled=${wb?.busy}
                      @click=${() => void this.restore(r)}
                    >
                      ${t('restore')}
                    </button>`
              }
            </li>`,
        )}
      </ol>
      ${this.hasMore ? html`<button @click=${() => void this.load(true)}>${t('loadMore')}</button>` : nothing}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-history': HistoryPanel;
  }
}
