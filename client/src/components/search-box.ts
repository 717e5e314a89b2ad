/**
 * `<kazru-search>`: a search across every transcript the user may see (`searchTranscripts`).
 * Hits are listed best first, each with its recording, start time and snippet; the parts the
 * server marks with « and » are highlighted (as text: a snippet is never parsed as HTML). A hit
 * is a link to `#/jobs/<id>?t=<start>`: the transcript opens there and plays from the hit.
 */
import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { formatClock } from '../format.js';
import { t } from '../i18n.js';
import { searchTranscripts, type SearchHit } from '../workbench-api.js';
import { announce, errorText, sharedStyles, LocalizedElement } from './shared.js';

const PAGE = 20;

/**
 * A snippet split into plain and marked parts: `«word»` marks a match; an unmatched « or » is
 * kept as text.
 */
export function snippetParts(snippet: string): { text: string; marked: boolean }[] {
  const parts: { text: string; marked: boolean }[] = [];
  const re = /«([^«»]*)»/g;
  let at = 0;
  for (let m = re.exec(snippet); m; m = re.exec(snippet)) {
    if (m.index > at) parts.push({ text: snippet.slice(at, m.index), marked: false });
    parts.push({ text: m[1], marked: true });
    at = m.index + m[0].length;
  }
  if (at < snippet.length) parts.push({ text: snippet.slice(at), marked: false });
  return parts;
}

/** The link that opens a hit's job and plays from the hit's start. */
export function hitHref(hit: SearchHit): string {
  return `#/jobs/${encodeURIComponent(hit.job.id)}?t=${hit.segment.start}`;
}

@customElement('kazru-search')
export class SearchBox extends LocalizedElement {
  @state() private query = '';
  @state() private hits: SearchHit[] | null = null;
  /** Hits found, as shown: "1000+" when the server's count is capped. */
  @state() private total = '0';
  @state() private endCursor: string | null = null;
  @state() private hasMore = false;
  @state() private searching = false;
  @state() private error = '';

  /** The query the shown hits are for (so "show more" continues the same search). */
  private searched = '';

  static override styles = [
    sharedStyles,
    css`
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      input[type='search'] {
        flex: 1 1 16rem;
        min-width: 0;
        padding: 0.4rem 0.5rem;
        border: 1px solid #8a94a6;
        border-radius: 6px;
      }
      ol {
        list-style: none;
        padding: 0;
        margin: 0.75rem 0 0;
        display: grid;
        gap: 0.4rem;
        max-height: 24rem;
        overflow-y: auto;
      }
      li a {
        display: block;
        padding: 0.4rem 0.6rem;
        border: 1px solid #d6dce5;
        border-radius: 8px;
        color: inherit;
        text-decoration: none;
      }
      li a:hover {
        background: #f8fafc;
      }
      .where {
        font-size: 0.85rem;
        color: #1d4ed8;
        font-weight: 600;
      }
      .snippet {
        display: block;
        overflow-wrap: anywhere;
      }
      mark {
        background: #fde68a;
        color: inherit;
        border-radius: 2px;
      }
      .summary {
        margin: 0.5rem 0 0;
      }
    `,
  ];

  private async search(e: SubmitEvent | null, more = false) {
    e?.preventDefault();
    const q = more ? this.searched : this.query.trim();
    if (!q) return;
    this.searching = true;
    try {
      const page = await searchTranscripts(q, PAGE, more ? this.endCursor : null);
      this.searched = q;
      this.hits = more && this.hits ? [...this.hits, ...page.hits] : page.hits;
      this.total = `${page.totalCount}${page.totalCountCapped ? '+' : ''}`;
      this.endCursor = page.endCursor;
      this.hasMore = page.hasNextPage;
      this.error = '';
      announce(this, page.totalCount ? t('searchFound', { count: this.total }) : t('searchNone'));
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.searching = false;
    }
  }

  override render() {
    return html`<section class="card" role="search" aria-label=${t('searchLabel')}>
      <form @submit=${(e: SubmitEvent) => void this.search(e)}>
        <input
          type="search"
          name="q"
          aria-label=${t('searchLabel')}
          placeholder=${t('searchLabel')}
          .value=${this.query}
          @input=${(e: Event) => (this.query = (e.target as HTMLInputElement).value)}
        />
        <button type="submit" ?disabled=${this.searching}>${t('searchButton')}</button>
      </form>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.hits ? this.renderHits(this.hits) : nothing}
    </section>`;
  }

  private renderHits(hits: SearchHit[]) {
    if (!hits.length) return html`<p class="summary muted">${t('searchNone')}</p>`;
    return html`<p class="summary muted">${t('searchFound', { count: this.total })}</p>
      <ol class="hits">
        ${hits.map((hit) => {
          const where = t('searchHit', {
            file: hit.job.filename,
            time: formatClock(hit.segment.start),
          });
          return html`<li>
            <a href=${hitHref(hit)} data-job=${hit.job.id} data-segment=${hit.segment.id}>
              <span class="where">${where}</span>
              <span class="snippet"
                >${snippetParts(hit.snippet).map((p) =>
                  p.marked ? html`<mark>${p.text}</mark>` : p.text,
                )}</span
              >
            </a>
          </li>`;
        })}
      </ol>
      ${
        this.hasMore
          ? html`<button @click=${() => void this.search(null, true)}>${t('loadMore')}</button>`
          : nothing
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-search': SearchBox;
  }
}
