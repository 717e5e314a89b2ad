/**
 * `<kazru-export-panel>`: the downloads of a transcript. Its buttons are the server's export
 * format registry (`serviceInfo.exportFormats`: TXT, DOCX, SRT, VTT, TSV, JSON); beside them the
 * user picks the script of the Kazakh segments (original Cyrillic, Kazakh Latin 2021, BGN/PCGN),
 * the language of headers and default labels, and whether times, speakers and language tags are
 * written. With a Latin script chosen, the first segments are previewed in it, transliterated
 * here with the server's own letter table (`src/exports/script`), so the text shown is the text
 * the file will have (labels of Kazakh segments are transliterated too; the file decides a renamed
 * speaker's script by what the speaker mostly speaks).
 */
import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import {
  downloadExport,
  fetchServiceInfo,
  type ExportFormatInfo,
  type ExportOptions,
  type ExportScript,
} from '../api.js';
import { getLang, t } from '../i18n.js';
import { EXPORT_STRINGS } from '../../../src/exports/locale.js';
import { isKazakh, transliterate } from '../../../src/exports/script/transliterate.js';
import { errorText, LocalizedElement, sharedStyles } from './shared.js';

/** One segment of the preview. */
export interface PreviewSegment {
  label: string;
  /** 0-based position of the segment's speaker in the transcript's speaker list. */
  speakerOrdinal: number;
  text: string;
  language: string | null;
}

const LOCALES = ['kk', 'ru', 'en'] as const;

@customElement('kazru-export-panel')
export class ExportPanel extends LocalizedElement {
  @property() jobId = '';
  /** The first segments of the transcript, as recognised (the preview shows up to four). */
  @property({ attribute: false }) preview: PreviewSegment[] = [];

  @state() private formats: ExportFormatInfo[] = [];
  @state() private scripts: ExportScript[] = ['ORIGINAL'];
  @state() private options: ExportOptions = {
    script: 'ORIGINAL',
    timestamps: true,
    speakers: true,
    languageTags: false,
    locale: getLang(),
  };
  @state() private error = '';
  @state() private busy = '';

  static override styles = [
    sharedStyles,
    css`
      .exports,
      .options {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 0.75rem;
        align-items: center;
        margin-bottom: 0.5rem;
      }
      .options label {
        display: inline-flex;
        gap: 0.3rem;
        align-items: center;
      }
      .preview {
        border-left: 4px solid #1d4ed8;
        background: #f8fafc;
        padding: 0.4rem 0.75rem;
        margin: 0 0 1rem;
      }
      .preview p {
        margin: 0.2rem 0;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    fetchServiceInfo().then(
      (info) => {
        this.formats = info.exportFormats;
        this.scripts = info.exportScripts.map((s) => s.script);
      },
      (err: unknown) => (this.error = errorText(err)),
    );
  }

  private set<K extends keyof ExportOptions>(key: K, value: ExportOptions[K]) {
    this.options = { ...this.options, [key]: value };
  }

  private async download(format: ExportFormatInfo) {
    this.error = '';
    this.busy = format.format;
    try {
      await downloadExport(this.jobId, format, this.options);
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.busy = '';
    }
  }

  private renderChoices() {
    const o = this.options;
    const check = (key: 'timestamps' | 'speakers' | 'languageTags') =>
      html`<label
        ><input
          type="checkbox"
          data-option=${key}
          .checked=${o[key]}
          @change=${(e: Event) => this.set(key, (e.target as HTMLInputElement).checked)}
        />${t(`exportOpt_${key}`)}</label
      >`;
    return html`<div class="options" role="group" aria-label=${t('exportOptions')}>
      <label
        >${t('exportScript')}
        <select
          data-option="script"
          @change=${(e: Event) =>
            this.set('script', (e.target as HTMLSelectElement).value as ExportScript)}
        >
          ${this.scripts.map(
            (s) =>
              html`<option value=${s} ?selected=${s === o.script}>${t(`script_${s}`)}</option>`,
          )}
        </select></label
      >
      <label
        >${t('exportLocale')}
        <select
          data-option="locale"
          @change=${(e: Event) =>
            this.set('locale', (e.target as HTMLSelectElement).value as ExportOptions['locale'])}
        >
          ${LOCALES.map(
            (l) =>
              html`<option value=${l} ?selected=${l === o.locale}>${t(`locale_${l}`)}</option>`,
          )}
        </select></label
      >
      ${check('timestamps')} ${check('speakers')} ${check('languageTags')}
    </div>`;
  }

  /**
   * A speaker's label as the file writes it: a label still `Speaker N` becomes the document
   * language's default (`Söileuşı 1` in Kazakh Latin, `Спикер 1`), a renamed one is kept
   * (in Latin for Kazakh segments).
   */
  private labelOf(s: PreviewSegment): string {
    const { script, locale } = this.options;
    if (/^Speaker \d+$/.test(s.label)) {
      const label = EXPORT_STRINGS[locale].speaker(s.speakerOrdinal + 1);
      return locale === 'kk' ? transliterate(label, script) : label;
    }
    return isKazakh(s.language) ? transliterate(s.label, script) : s.label;
  }

  private renderPreview() {
    const script = this.options.script;
    if (script === 'ORIGINAL' || this.preview.length === 0) return nothing;
    return html`<div class="preview" data-testid="export-preview" aria-label=${t('exportPreview')}>
      ${this.preview.slice(0, 4).map((s) => {
        const latin = (text: string) => (isKazakh(s.language) ? transliterate(text, script) : text);
        return html`<p lang=${s.language ?? nothing}>
          <strong>${this.labelOf(s)}:</strong> ${latin(s.text)}
        </p>`;
      })}
    </div>`;
  }

  override render() {
    return html`${this.renderChoices()}
      <div class="exports" role="group" aria-label=${t('downloads')}>
        <span>${t('downloads')}</span>
        ${this.formats.map(
          (f) =>
            html`<button
              data-export=${f.extension}
              aria-label=${t('downloadAs', { format: f.format })}
              ?disabled=${this.busy === f.format}
              @click=${() => void this.download(f)}
            >
              ${f.format}
            </button>`,
        )}
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.renderPreview()}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-export-panel': ExportPanel;
  }
}
