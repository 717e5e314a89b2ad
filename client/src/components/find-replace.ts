/**
 * `<kazru-find-replace>`: find & replace over the whole transcript. While the user types, the
 * server counts the matches (`Transcript.matchCount`, 250 ms after the last key) and the count
 * shows before anything changes; "replace all" names that count and applies it as one revision
 * (undo takes it back). Options: match case, whole word.
 */
import { css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { t } from '../i18n.js';
import type { Workbench } from '../workbench.js';
import { matchCount, type FindOptions } from '../workbench-api.js';
import { announce, errorText, sharedStyles, LocalizedElement } from './shared.js';

const COUNT_DELAY_MS = 250;

@customElement('kazru-find-replace')
export class FindReplace extends LocalizedElement {
  @property({ attribute: false }) workbench?: Workbench;
  /** Bumped whenever the transcript changed: the count is asked again. */
  @property({ type: Number }) tick = 0;

  @state() private find = '';
  @state() private replace = '';
  @state() private matchCase = false;
  @state() private wholeWord = false;
  /** Matches of the current options, null while unknown. */
  @state() private count: number | null = null;
  @state() private counting = false;
  @state() private message = '';
  @state() private error = '';

  private timer?: number;
  /** Bumped by every count request, so a slow answer does not overrule a later one. */
  private asked = 0;
  private countedAt = -1;

  static override styles = [
    sharedStyles,
    css`
      form {
        display: grid;
        gap: 0.5rem;
        border: 1px solid #d6dce5;
        border-radius: 8px;
        padding: 0.75rem;
        margin-bottom: 0.75rem;
      }
      .fields {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
      }
      label.field {
        display: grid;
        gap: 0.2rem;
        flex: 1 1 14rem;
      }
      input[type='text'] {
        padding: 0.35rem 0.5rem;
        border: 1px solid #8a94a6;
        border-radius: 6px;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
      }
    `,
  ];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearTimeout(this.timer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const version = this.workbench?.version ?? -1;
    if (changed.has('tick') && version !== this.countedAt && this.find.trim()) this.schedule();
  }

  private options(): FindOptions {
    return { find: this.find, matchCase: this.matchCase, wholeWord: this.wholeWord };
  }

  /** Asks for the count once typing rests. */
  private schedule() {
    window.clearTimeout(this.timer);
    this.count = null;
    if (!this.find.trim()) {
      this.counting = false;
      return;
    }
    this.counting = true;
    this.timer = window.setTimeout(() => void this.countNow(), COUNT_DELAY_MS);
  }

  private async countNow() {
    const wb = this.workbench;
    if (!wb) return;
    const ask = ++this.asked;
    const version = wb.version;
    try {
      const n = await matchCount(wb.jobId, this.options());
      if (ask !== this.asked) return;
      this.count = n;
      this.countedAt = version;
      this.error = '';
    } catch (err) {
      if (ask === this.asked) this.error = errorText(err);
    } finally {
      if (ask === this.asked) this.counting = false;
    }
  }

  private async apply(e: SubmitEvent) {
    e.preventDefault();
    const wb = this.workbench;
    if (!wb || !this.count) return;
    if (!this.find.trim()) {
      this.error = t('findBlank');
      return;
    }
    const n = await wb.replaceAll({ ...this.options(), replace: this.replace });
    if (n === null) return;
    this.schedule();
    this.message = t('replacedCount', { count: n });
    announce(this, this.message);
  }

  private set(key: 'find' | 'replace', e: Event) {
    const value = (e.target as HTMLInputElement).value;
    if (key === 'find') this.find = value;
    else this.replace = value;
    this.message = '';
    if (key === 'find') this.schedule();
  }

  private check(key: 'matchCase' | 'wholeWord', e: Event) {
    this[key] = (e.target as HTMLInputElement).checked;
    this.message = '';
    this.schedule();
  }

  override render() {
    const busy = this.workbench?.busy ?? false;
    return html`<form
      aria-label=${t('findReplace')}
      @submit=${(e: SubmitEvent) => void this.apply(e)}
    >
      <div class="fields">
        <label class="field"
          >${t('findLabel')}
          <input
            type="text"
            name="find"
            .value=${this.find}
            @input=${(e: Event) => this.set('find', e)}
            autocomplete="off"
        /></label>
        <label class="field"
          >${t('replaceLabel')}
          <input
            type="text"
            name="replace"
            .value=${this.replace}
            @input=${(e: Event) => this.set('replace', e)}
            autocomplete="off"
        /></label>
      </div>
      <div class="row">
        <label
          ><input
            type="checkbox"
            name="matchCase"
            .checked=${this.matchCase}
            @change=${(e: Event) => this.check('matchCase', e)}
          />
          ${t('matchCase')}</label
        >
        <label
          ><input
            type="checkbox"
            name="wholeWord"
            .checked=${this.wholeWord}
            @change=${(e: Event) => this.check('wholeWord', e)}
          />
          ${t('wholeWord')}</label
        >
      </div>
      <div class="row">
        <span class="count" role="status" data-testid="match-count"
          >${
            this.counting
              ? t('counting')
              : this.count !== null
                ? t('matchCountText', { count: this.count })
                : ''
          }</span
        >
        <button class="primary replace-all" type="submit" ?disabled=${!this.count || busy}>
          ${t('replaceAll', { count: this.count ?? 0 })}
        </button>
        ${this.message ? html`<span class="muted" data-testid="replaced">${this.message}</span>` : nothing}
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-find-replace': FindReplace;
  }
}
